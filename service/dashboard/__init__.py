"""The operator dashboard page: a park's demand report as charts, with filters."""
