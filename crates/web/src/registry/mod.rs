//! Pages, forms and downloads of the registry: home, territories, regions, EPCIs.

pub mod api;
pub mod api_write;
pub mod exports;
pub mod forms;
pub mod home;
pub mod imports;
pub mod list;
pub mod places;
pub mod territory;

/// What a page handler returns.
pub(crate) type PageResult = Result<axum::response::Html<String>, crate::WebError>;
