"""Local NLP: embeddings, summaries, intent, sentiment, entities. No network, no GPU.

Nothing here imports torch or sentence-transformers at module level; models load lazily,
once, in the thread that first needs them (a worker, never the UI thread).
"""
