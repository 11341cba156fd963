"""Follow-up at 3 and 12 months in the window: the due list and recording one."""
