//! The hollow runtime (placeholder, being written).
// TEMPORARY STUB so the crate builds while this runtime is written; replace this file entirely.
use super::{ContainerInfo, ContainerSpec, LogOptions, LogStream, Runtime, RuntimeError};
use std::time::Duration;
#[derive(Default)]
pub struct FakeRuntime;
impl FakeRuntime {
    pub fn new() -> Self {
        FakeRuntime
    }
}
#[async_trait::async_trait]
impl Runtime for FakeRuntime {
    fn name(&self) -> &'static str {
        "fake"
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
