"""Persistence: SQLModel tables, the unit of work, coalition-scoped repositories, migrations."""
