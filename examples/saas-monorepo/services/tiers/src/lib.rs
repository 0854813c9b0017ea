//! The tier service: the Rust half of the monorepo. Both incidents exist here too.
pub mod audit;
pub mod purge;
pub mod tiers;
