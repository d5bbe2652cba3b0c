"""Demo data and demo users: a realistic Dutch customer base generated from a seed."""
