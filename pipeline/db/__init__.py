"""Storage: the engine and unit of work, the typed models, their column types and migrations."""
