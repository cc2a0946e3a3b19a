"""/stats, /export and /disclosure wording for officials."""
