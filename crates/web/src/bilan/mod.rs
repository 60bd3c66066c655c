//! The bilan: its page, the records behind each figure, its downloads and its API.

pub mod api;
pub mod pages;
