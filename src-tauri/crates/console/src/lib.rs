//! The console of SCIM Console, without Tauri: what the window can ask and show. The desktop
//! app turns its calls into commands and its events into window events; everything else —
//! the onboarding guide and its verification from arriving requests, users, activity, tokens,
//! roles, settings, the deprovisioning guard, the simulator, starting and stopping the
//! embedded server, and the app's log files — lives here, built and tested without a webview.

pub mod backend;
pub mod connections;
pub mod console;
pub mod embedded;
pub mod entra_guide;
pub mod evidence;
pub mod export;
pub mod external;
pub mod foreign;
pub mod groups;
pub mod health;
pub mod logging;
pub mod onboarding;
pub mod remote;
pub mod simulator;
pub mod summary;
pub mod support;
pub mod typescript;
