"""The data model, knowing no stage: the tables, the database engine and migrations, which rows are
current, what a panel's annotations resolve to, and how a panel is named outside the store."""
