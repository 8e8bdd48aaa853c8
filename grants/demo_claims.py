"""Demo payment claims: on the projects of the 2021–2027 programme's decided
call, a claim in every status, written through grants.services.claims. The
2014–2020 projects (the ministry's published figures) get none, so their
figures stay exact."""


def seed_claims(*, report) -> None:
    """Create the demo claims unless they exist (idempotent, like seed_demo)."""
