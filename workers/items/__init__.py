"""Item bank work done on workers: prompt audio for items a student hears, item imports."""
