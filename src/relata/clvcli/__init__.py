"""`relata clv`: customer lifetime value from a transactions file, without a database."""
