"""The courses list and everything about one course as a whole."""
