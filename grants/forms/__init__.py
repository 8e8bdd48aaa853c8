"""Forms of the grants pages, one module per family (applications, officer, evaluations)."""
