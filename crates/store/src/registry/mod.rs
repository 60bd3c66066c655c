//! The registry in the database: the referential, territories and perimeters, their histories, and the
//! programme's figures per phase.

pub mod figures;
pub mod history;
pub mod posts;
pub mod referential;
pub mod territories;
