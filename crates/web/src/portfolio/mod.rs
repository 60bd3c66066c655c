//! The projects (fiches actions): their list, their page and its forms, and their API.

pub mod api;
pub mod api_write;
pub mod forms;
pub mod pages;
