//! Bilans: the programme's figures for a scope at a date (and flows over a period), computed from the
//! histories and funding lines and nothing else.
//!
//! Amounts are never typed in: they are sums of funding lines read as of the date, so a past bilan is
//! reproducible and requested, committed and paid stay apart. A project shared by several territories is
//! counted once in every total, and once in each breakdown row it belongs to (breakdowns by territory or
//! region may therefore add up to more than the total; bilans say so). Each figure is defined once
//! ([`figures`]) and every value is the sum of the records it counts ([`compute`]), which is what lets a
//! bilan give, for each figure, the list of its records.

pub mod compute;
pub mod evolution;
pub mod explain;
pub mod figures;
pub mod frame;
pub mod report;
pub mod situation;

#[cfg(test)]
mod tests;
