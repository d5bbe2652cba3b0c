"""One module per kind of import: each validates a file's rows and plans the writes."""
