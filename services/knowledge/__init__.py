"""The live knowledge base, the query log, unanswered questions and the learning loop."""
