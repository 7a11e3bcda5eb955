//! The reconciliation engine (reconciliation.md): facts in, statuses and exceptions out.
