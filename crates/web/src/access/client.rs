//! Who is asking, by address: the peer of the connection, or — when that peer is one of the reverse
//! proxies the platform is configured to trust — the client it forwards for. Quotas, sign-in throttles
//! and the security log count clients, not the proxy that all of them come through.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

use crate::{AppState, WebError};

/// The client's address, as [`client_ip`] tells it, for a handler.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        client_of(&parts.extensions, &parts.headers, state)
            .map(ClientIp)
            .ok_or_else(|| WebError::Internal("adresse du client inconnue".into()))
    }
}

/// The client's address of a request (its connection's peer, through the trusted proxies); `None` when
/// the server was started without connection information (never, as `territoires serve` runs it).
pub fn client_of(extensions: &Extensions, headers: &HeaderMap, state: &AppState) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(client_ip(peer, headers, &state.options.trusted_proxies))
}

/// The client's address: `peer`, unless `peer` is a trusted proxy; then the right-most address of
/// `X-Forwarded-For` that is not a trusted proxy (the left part of the header is whatever the client
/// wrote, and only what trusted proxies appended can be believed). A header that cannot be read leaves
/// the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_proxy_says_who_it_forwards_for() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let trusted = [proxy];
        // Anyone else writing the header is not believed.
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            client_ip(stranger, &headers(&["203.0.113.7"]), &trusted),
            stranger
        );
        assert_eq!(
            client_ip(proxy, &headers(&["203.0.113.7"]), &trusted),
            client
        );
        // The client's own claim on the left is skipped: the proxy appended the real address.
        assert_eq!(
            client_ip(proxy, &headers(&["1.2.3.4, 203.0.113.7"]), &trusted),
            client
        );
        assert_eq!(
            client_ip(proxy, &headers(&["203.0.113.7", "10.0.0.2"]), &trusted),
            client,
            "several proxies of ours"
        );
        assert_eq!(
            client_ip(proxy, &headers(&["pas une adresse"]), &trusted),
            proxy
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &headers(&["203.0.113.7"]), &[]), proxy);
    }
}
