//! The snapshot's two human views: the Markdown report and the HTML page.

pub mod history;
pub mod html;
pub mod layout;
pub mod markdown;
pub mod svg;
