"""HTML pages of the grants workspace, one module per family: the home page,
the instrument pages and the project pages. All are read-only for now."""

from grants.views.home import home
from grants.views.instruments import instrument_detail
from grants.views.projects import project_detail

__all__ = ["home", "instrument_detail", "project_detail"]
