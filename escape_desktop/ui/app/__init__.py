"""Start-up of the window: the launcher, the main window and its first screens."""
