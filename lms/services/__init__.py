"""The flows of the platform (content, accounts, grading, certification), called by the views,
the CLI and the workers alike. Views stay thin."""
