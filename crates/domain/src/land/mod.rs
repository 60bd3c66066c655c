//! Economic land (*foncier économique*): the brownfields (*friches*) of the CNIG standard with their dated
//! statuses, the legal vacancy rule of business parks, and the observatory's figures over an area at a
//! date. The Grand Est declaration of 17 July 2025 makes it the first common challenge of the region and
//! its intercommunalities: what land is available or mobilisable, and what has been refused for want of it.

pub mod area;
pub mod brownfield;
pub mod observatory;
pub mod standard;
pub mod vacancy;
