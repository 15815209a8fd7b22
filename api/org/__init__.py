"""The organisation: campuses, courses, batches, students, and roster imports into a batch."""
