//! The registry: the official geography, the labelled territories and their perimeters, and the dated
//! histories of each territory (milestones, governance).

pub mod attributes;
pub mod drafts;
pub mod governance;
pub mod labelling;
pub mod milestone;
pub mod names;
pub mod posts;
pub mod progress;
pub mod referential;
pub mod territory;
