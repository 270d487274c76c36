//! Semantic chunks for language models (placeholder until issue 4 lands).
