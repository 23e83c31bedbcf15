"""What translation costs and remembers, kept in the database: memory, budgets, cool-downs."""
