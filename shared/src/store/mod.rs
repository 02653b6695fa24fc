//! Adapters of the store port.

pub mod dynamo;
pub mod embedded;
