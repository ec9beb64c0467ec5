"""The shared kit under every domain: translation, forms, flash messages, the audit trail,
settings, idempotent forms and the vocabulary every package speaks. It imports no domain."""
