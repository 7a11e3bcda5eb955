//! What the dispatcher needs: the store's tenant index and the jobs queue, both core's ports.

pub use cuadre_core::jobs::{Job, JobQueue, JobQueueError};
pub use cuadre_core::store::{ReconcileStore, StoreError};
