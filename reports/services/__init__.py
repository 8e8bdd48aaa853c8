"""Writes of the reports app: jobs (request, retry, dispatch, download), the
worker's steps, and the sweeper."""
