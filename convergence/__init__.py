"""Days of action: coordinated windows, their toolkits, registered events, reminders."""
