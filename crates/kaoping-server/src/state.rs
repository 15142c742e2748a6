//! What every handler shares: the store and the cookie policy. Nothing else: no state lives in one
//! process, so any number of processes can serve the same database.

use kaoping_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState {
            store,
            secure_cookies,
        }
    }
}
