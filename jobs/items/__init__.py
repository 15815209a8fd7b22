"""Item bank jobs: prompt audio for items a student hears, item imports."""
