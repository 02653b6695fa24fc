//! The rules of teamseats, with the ports they need and the adapters that fill them.
//!
//! teamseats brings colleagues into a customer account: a member invites people by email,
//! each newcomer joins on a trial or straight onto a paid seat, admins move people onto
//! seats, and a daily run ends the trials nobody paid for. This crate holds all of that
//! as plain logic; it knows nothing of Lambda or HTTP.
//!
//! # Components
//!
//! - [`service::Teamseats`] carries out each use case: it reads what the use case needs
//!   in one lookup, applies the rules, and hands one atomic change to the store.
//! - [`email`], [`ids`] and [`token`] are the values that arrive from outside, each
//!   parsed once into a type that cannot hold an invalid value.
//! - [`model`] is the state: accounts, members, invitations.
//! - [`ports`] are the two things the rules need from the world: a [`ports::Store`]
//!   whose writes are atomic and conditional, and a [`ports::Mailer`].
//! - [`store::embedded`] fills the store port with an on-disk database, for local runs
//!   and tests; [`mail::outbox`] fills the mail port with `.eml` files.
//! - [`clock`] and [`entropy`] are injected so that tests control time and randomness.
//! - [`error::Error`] is the one error type; each variant knows its HTTP status and its
//!   stable problem `code`.
//! - [`config`] reads the environment once, at start-up.

#![warn(missing_docs)]

pub mod clock;
pub mod commands;
pub mod config;
pub mod email;
pub mod entropy;
pub mod error;
pub mod ids;
pub mod mail;
pub mod model;
pub mod ports;
pub mod service;
pub mod store;
pub mod token;

pub use error::Error;
