//! Economic land in the database: brownfields and their dated statuses, and the observatory's reading of
//! them over an area on a date.

pub mod area;
pub mod brownfields;
