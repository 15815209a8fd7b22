"""Assessment: the item bank, tests and their assignment, attempts and answers, results and reports."""
