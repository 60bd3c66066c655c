//! Economic land's files: the brownfields of Cartofriches and of the CNIG *friches* standard.

pub mod brownfields;
pub mod export;
