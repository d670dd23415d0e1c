//! The process runtime (placeholder, being written).
// TEMPORARY STUB so the crate builds while this runtime is written; replace this file entirely.
use super::{ContainerInfo, ContainerSpec, LogOptions, LogStream, Runtime, RuntimeError};
use std::path::PathBuf;
use std::time::Duration;
pub struct ProcessRuntime;
impl ProcessRuntime {
    pub fn new(_state_dir: PathBuf, _shim: PathBuf) -> Result<Self, RuntimeError> {
        Err(RuntimeError::Other(
            "the process runtime is not built yet".into(),
        ))
    }
}
#[async_trait::async_trait]
impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        "process"
    }
    async fn start(&self, _s: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
    async fn wait(&self, _id: &str) -> Result<ContainerInfo, RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
    async fn stop(&self, _id: &str, _g: Duration) -> Result<(), RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
    async fn remove(&self, _id: &str) -> Result<(), RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
    async fn logs(&self, _id: &str, _o: LogOptions) -> Result<LogStream, RuntimeError> {
        Err(RuntimeError::Other("stub".into()))
    }
}
