//! Geo commands: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH,
//! GEOSEARCHSTORE and the older GEORADIUS / GEORADIUSBYMEMBER (with their
//! `_RO` forms).
//!
//! A geo index is an ordinary sorted set whose scores are 52-bit geohashes,
//! so data is interchangeable with Redis: latitude (over the Web-Mercator
//! range ±85.05112878) and longitude (±180) are each quantized to 26 bits
//! and interleaved, latitude in the even bits and longitude in the odd ones.
//! A member's position is the center of its cell. Distances use the
//! haversine formula on a sphere of radius [`EARTH_RADIUS`].
//!
//! A search picks the geohash precision (step) whose cells are about as
//! large as the search radius, takes the center's cell and its 8 neighbours,
//! scans each cell's score range and keeps the points that are inside the
//! exact circle or box.

use ember_resp::Protocol;
use ember_store::types::zset::{ScoreBound, ZSet};
use ember_store::Value;

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{is, lossy};
use crate::commands::common::lookup_zset;
use crate::config::notify as ev;

/// Geo commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("geoadd", -5, geoadd)
        .flags(WRITE | DENYOOM)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "geo",
            "Add one or more geospatial items in the geospatial index represented using a sorted set",
            "3.2.0",
            "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        )
        .history(&[("6.2.0", "Added the `CH`, `NX` and `XX` options.")])
        .args(&[
            arg::key("key", 0),
            arg::oneof("condition", &[arg::token("nx", "NX"), arg::token("xx", "XX")]).since("6.2.0").optional(),
            arg::token("change", "CH").since("6.2.0").optional(),
            arg::block(
                "longitude_latitude_member",
                &[
                    arg::double("longitude"),
                    arg::double("latitude"),
                    arg::string("member"),
                ],
            ).multiple(),
        ]),
    CommandSpec::new("geodist", -4, geodist)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("geo", "Returns the distance between two members of a geospatial index", "3.2.0", "O(log(N))")
        .args(&[
            arg::key("key", 0),
            arg::string("member1"),
            arg::string("member2"),
            arg::oneof(
                "unit",
                &[
                    arg::token("m", "M"),
                    arg::token("km", "KM"),
                    arg::token("ft", "FT"),
                    arg::token("mi", "MI"),
                ],
            ).optional(),
        ]),
    CommandSpec::new("geohash", -2, geohash)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "geo",
            "Returns members of a geospatial index as standard geohash strings",
            "3.2.0",
            "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        )
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("geopos", -2, geopos)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "geo",
            "Returns longitude and latitude of members of a geospatial index",
            "3.2.0",
            "O(N) where N is the number of members requested.",
        )
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("georadius", -6, georadius)
        .flags(WRITE | DENYOOM)
        .acl(acl::GEO)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
            KeySpec::keyword("STORE", 6).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
            KeySpec::keyword("STOREDIST", 6).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
        ])
        .keys_fn(getkeys::georadius)
        .doc(
            "geo",
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
            "3.2.0",
            "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        )
        .history(&[
            ("6.2.0", "Added the `ANY` option for `COUNT`."),
            ("7.0.0", "Added support for uppercase unit names."),
        ])
        .deprecated("6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument")
        .args(&[
            arg::key("key", 0),
            arg::double("longitude"),
            arg::double("latitude"),
            arg::double("radius"),
            arg::oneof(
                "unit",
                &[
                    arg::token("m", "M"),
                    arg::token("km", "KM"),
                    arg::token("ft", "FT"),
                    arg::token("mi", "MI"),
                ],
            ),
            arg::token("withcoord", "WITHCOORD").optional(),
            arg::token("withdist", "WITHDIST").optional(),
            arg::token("withhash", "WITHHASH").optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").since("6.2.0").optional(),
                ],
            ).optional(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::key("key", 1).token("STORE").optional(),
            arg::key("key", 2).token("STOREDIST").optional(),
        ]),
    CommandSpec::new("georadius_ro", -6, georadius_ro)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "geo",
            "A read-only variant for GEORADIUS",
            "3.2.10",
            "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        )
        .history(&[("6.2.0", "Added the `ANY` option for `COUNT`.")])
        .deprecated("6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument")
        .args(&[
            arg::key("key", 0),
            arg::double("longitude"),
            arg::double("latitude"),
            arg::double("radius"),
            arg::oneof(
                "unit",
                &[
                    arg::token("m", "M"),
                    arg::token("km", "KM"),
                    arg::token("ft", "FT"),
                    arg::token("mi", "MI"),
                ],
            ),
            arg::token("withcoord", "WITHCOORD").optional(),
            arg::token("withdist", "WITHDIST").optional(),
            arg::token("withhash", "WITHHASH").optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").since("6.2.0").optional(),
                ],
            ).optional(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
        ]),
    CommandSpec::new("georadiusbymember", -5, georadiusbymember)
        .flags(WRITE | DENYOOM)
        .acl(acl::GEO)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
            KeySpec::keyword("STORE", 5).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
            KeySpec::keyword("STOREDIST", 5).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
        ])
        .keys_fn(getkeys::georadius)
        .doc(
            "geo",
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
            "3.2.0",
            "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        )
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .deprecated("6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments")
        .args(&[
            arg::key("key", 0),
            arg::string("member"),
            arg::double("radius"),
            arg::oneof(
                "unit",
                &[
                    arg::token("m", "M"),
                    arg::token("km", "KM"),
                    arg::token("ft", "FT"),
                    arg::token("mi", "MI"),
                ],
            ),
            arg::token("withcoord", "WITHCOORD").optional(),
            arg::token("withdist", "WITHDIST").optional(),
            arg::token("withhash", "WITHHASH").optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").optional(),
                ],
            ).optional(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::key("key", 1).token("STORE").optional(),
            arg::key("key", 2).token("STOREDIST").optional(),
        ]),
    CommandSpec::new("georadiusbymember_ro", -5, georadiusbymember_ro)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "geo",
            "A read-only variant for GEORADIUSBYMEMBER",
            "3.2.10",
            "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        )
        .deprecated("6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments")
        .args(&[
            arg::key("key", 0),
            arg::string("member"),
            arg::double("radius"),
            arg::oneof(
                "unit",
                &[
                    arg::token("m", "M"),
                    arg::token("km", "KM"),
                    arg::token("ft", "FT"),
                    arg::token("mi", "MI"),
                ],
            ),
            arg::token("withcoord", "WITHCOORD").optional(),
            arg::token("withdist", "WITHDIST").optional(),
            arg::token("withhash", "WITHHASH").optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").optional(),
                ],
            ).optional(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
        ]),
    CommandSpec::new("geosearch", -7, geosearch)
        .flags(READONLY)
        .acl(acl::GEO)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "geo",
            "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
            "6.2.0",
            "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        )
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .args(&[
            arg::key("key", 0),
            arg::oneof(
                "from",
                &[
                    arg::string("member").token("FROMMEMBER"),
                    arg::block(
                        "longitude_latitude",
                        &[
                            arg::double("longitude"),
                            arg::double("latitude"),
                        ],
                    ).token("FROMLONLAT"),
                ],
            ),
            arg::oneof(
                "by",
                &[
                    arg::block(
                        "circle",
                        &[
                            arg::double("radius").token("BYRADIUS"),
                            arg::oneof(
                                "unit",
                                &[
                                    arg::token("m", "M"),
                                    arg::token("km", "KM"),
                                    arg::token("ft", "FT"),
                                    arg::token("mi", "MI"),
                                ],
                            ),
                        ],
                    ),
                    arg::block(
                        "box",
                        &[
                            arg::double("width").token("BYBOX"),
                            arg::double("height"),
                            arg::oneof(
                                "unit",
                                &[
                                    arg::token("m", "M"),
                                    arg::token("km", "KM"),
                                    arg::token("ft", "FT"),
                                    arg::token("mi", "MI"),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").optional(),
                ],
            ).optional(),
            arg::token("withcoord", "WITHCOORD").optional(),
            arg::token("withdist", "WITHDIST").optional(),
            arg::token("withhash", "WITHHASH").optional(),
        ]),
    CommandSpec::new("geosearchstore", -8, geosearchstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::GEO)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
            KeySpec::index(2).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
        ])
        .doc(
            "geo",
            "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
            "6.2.0",
            "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        )
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .args(&[
            arg::key("destination", 0),
            arg::key("source", 1),
            arg::oneof(
                "from",
                &[
                    arg::string("member").token("FROMMEMBER"),
                    arg::block(
                        "longitude_latitude",
                        &[
                            arg::double("longitude"),
                            arg::double("latitude"),
                        ],
                    ).token("FROMLONLAT"),
                ],
            ),
            arg::oneof(
                "by",
                &[
                    arg::block(
                        "circle",
                        &[
                            arg::double("radius").token("BYRADIUS"),
                            arg::oneof(
                                "unit",
                                &[
                                    arg::token("m", "M"),
                                    arg::token("km", "KM"),
                                    arg::token("ft", "FT"),
                                    arg::token("mi", "MI"),
                                ],
                            ),
                        ],
                    ),
                    arg::block(
                        "box",
                        &[
                            arg::double("width").token("BYBOX"),
                            arg::double("height"),
                            arg::oneof(
                                "unit",
                                &[
                                    arg::token("m", "M"),
                                    arg::token("km", "KM"),
                                    arg::token("ft", "FT"),
                                    arg::token("mi", "MI"),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::block(
                "count",
                &[
                    arg::integer("count").token("COUNT"),
                    arg::token("any", "ANY").optional(),
                ],
            ).optional(),
            arg::token("storedist", "STOREDIST").optional(),
        ]),
];

// ---------------------------------------------------------------------------
// Geohash arithmetic
// ---------------------------------------------------------------------------

/// Web-Mercator latitude limits: the range scores are quantized over.
const LAT_MIN: f64 = -85.05112878;
const LAT_MAX: f64 = 85.05112878;
const LON_MIN: f64 = -180.0;
const LON_MAX: f64 = 180.0;
/// Bits per coordinate in a stored score (52 bits in all).
const STEP_MAX: u32 = 26;
/// Earth's radius in meters, as Redis uses it.
pub const EARTH_RADIUS: f64 = 6372797.560856;
/// Half the Mercator world's width in meters (sizes the search step).
const MERCATOR_MAX: f64 = 20037726.37;
/// The standard geohash alphabet.
const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// A geohash cell: `step` bits of each coordinate, interleaved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    bits: u64,
    step: u32,
}

/// A cell's extent in degrees.
#[derive(Clone, Copy, Debug)]
struct Area {
    lat_min: f64,
    lat_max: f64,
    lon_min: f64,
    lon_max: f64,
}

/// Spreads the 32 bits of `v` over the even bit positions of a u64.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bit positions of `x` into a u32 (inverse of [`spread`]).
fn squash(x: u64) -> u32 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0x0000_0000_FFFF_FFFF) as u32
}

/// Latitude index in the even bits, longitude index in the odd ones.
fn interleave(lat_idx: u32, lon_idx: u32) -> u64 {
    spread(lat_idx) | (spread(lon_idx) << 1)
}

/// `(lat_idx, lon_idx)` of interleaved bits.
fn deinterleave(bits: u64) -> (u32, u32) {
    (squash(bits), squash(bits >> 1))
}

/// Whether (lon, lat) may be indexed.
fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// The cell of `step` bits per coordinate holding (lon, lat), with
/// latitude quantized over `lat_range`; `None` outside the indexable area.
fn encode(lon: f64, lat: f64, lat_range: (f64, f64), step: u32) -> Option<Cell> {
    if !valid_lon_lat(lon, lat) || lat < lat_range.0 || lat > lat_range.1 {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_off = (lat - lat_range.0) / (lat_range.1 - lat_range.0) * scale;
    let lon_off = (lon - LON_MIN) / (LON_MAX - LON_MIN) * scale;
    // Truncation toward zero, like a C cast to uint32_t; the upper edge
    // itself yields index 2^step, as in Redis.
    Some(Cell { bits: interleave(lat_off as u32, lon_off as u32), step })
}

/// The extent of `cell` (latitude quantized over `lat_range`).
fn decode(cell: Cell, lat_range: (f64, f64)) -> Area {
    let (lat_idx, lon_idx) = deinterleave(cell.bits);
    let scale = (1u64 << cell.step) as f64;
    let lat_span = lat_range.1 - lat_range.0;
    let lon_span = LON_MAX - LON_MIN;
    Area {
        lat_min: lat_range.0 + (f64::from(lat_idx) / scale) * lat_span,
        lat_max: lat_range.0 + (f64::from(lat_idx.wrapping_add(1)) / scale) * lat_span,
        lon_min: LON_MIN + (f64::from(lon_idx) / scale) * lon_span,
        lon_max: LON_MIN + (f64::from(lon_idx.wrapping_add(1)) / scale) * lon_span,
    }
}

/// The score a point is stored with.
fn score_of(lon: f64, lat: f64) -> Option<f64> {
    encode(lon, lat, (LAT_MIN, LAT_MAX), STEP_MAX).map(|c| c.bits as f64)
}

/// A score as C's `(uint64_t)` cast makes it on x86-64, for sorted sets
/// that were not written by GEOADD: a negative score wraps around (-1 is
/// all ones) and one beyond the range becomes 0.
fn c_double_to_u64(s: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // cvttsd2si: out of range (or NaN) gives i64::MIN.
    let cvt = |x: f64| if (-TWO63..TWO63).contains(&x) { x as i64 } else { i64::MIN };
    if s < TWO63 {
        cvt(s) as u64
    } else {
        (cvt(s - TWO63) as u64) ^ (1 << 63)
    }
}

/// The position (`[lon, lat]`, the cell's center) a score stands for.
fn position_of(score: f64) -> [f64; 2] {
    let area = decode(Cell { bits: c_double_to_u64(score), step: STEP_MAX }, (LAT_MIN, LAT_MAX));
    let lon = ((area.lon_min + area.lon_max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((area.lat_min + area.lat_max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    [lon, lat]
}

/// The 11-character standard geohash (latitude over ±90) of a score.
fn geohash_string(score: f64) -> [u8; 11] {
    let [lon, lat] = position_of(score);
    let bits = encode(lon, lat, (-90.0, 90.0), STEP_MAX).map_or(0, |c| c.bits);
    let mut s = [0u8; 11];
    for (i, c) in s.iter_mut().enumerate() {
        // 52 bits make 10 full characters; the 11th has no bits left.
        let idx = if i == 10 { 0 } else { (bits >> (52 - (i + 1) * 5)) & 0x1f };
        *c = BASE32[idx as usize];
    }
    s
}

fn deg_rad(d: f64) -> f64 {
    d * (std::f64::consts::PI / 180.0)
}

fn rad_deg(r: f64) -> f64 {
    r / (std::f64::consts::PI / 180.0)
}

/// Distance in meters between two latitudes on one meridian.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Haversine distance in meters.
fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let (lat1r, lat2r) = (deg_rad(lat1), deg_rad(lat2));
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// Moves `cell` by `dlat` / `dlon` cells, wrapping around at the edges. A
/// coordinate that does not move keeps its index as is, even the
/// out-of-range `2^step` of a point on the upper edge (as in Redis, whose
/// scans then find the points stored on that edge).
fn neighbour(cell: Cell, dlat: i32, dlon: i32) -> Cell {
    let (lat, lon) = deinterleave(cell.bits);
    let mask = ((1u64 << cell.step) - 1) as u32;
    let shift = |v: u32, d: i32| if d == 0 { v } else { v.wrapping_add_signed(d) & mask };
    Cell { bits: interleave(shift(lat, dlat), shift(lon, dlon)), step: cell.step }
}

/// The geohash step whose cells are about as large as `radius` meters
/// around latitude `lat`.
fn steps_for_radius(mut radius: f64, lat: f64) -> u32 {
    if radius == 0.0 {
        return STEP_MAX;
    }
    let mut step: i32 = 1;
    while radius < MERCATOR_MAX {
        radius *= 2.0;
        step += 1;
    }
    step -= 2;
    // Cells narrow toward the poles: go one (or two) steps coarser.
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, STEP_MAX as i32) as u32
}

// ---------------------------------------------------------------------------
// Search shapes
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Extent {
    /// BYRADIUS, in the request's unit.
    Radius(f64),
    /// BYBOX width height, in the request's unit.
    Box(f64, f64),
}

/// What a search covers.
#[derive(Clone, Copy, Debug)]
struct Shape {
    center: [f64; 2],
    extent: Extent,
    /// Meters per unit of the request.
    unit: f64,
}

impl Shape {
    /// `[min_lon, min_lat, max_lon, max_lat]` around the shape.
    fn bounds(&self) -> [f64; 4] {
        let [lon, lat] = self.center;
        let (half_h, half_w) = match self.extent {
            Extent::Radius(r) => (self.unit * r, self.unit * r),
            Extent::Box(w, h) => (self.unit * (h / 2.0), self.unit * (w / 2.0)),
        };
        let lat_delta = rad_deg(half_h / EARTH_RADIUS);
        let lon_delta_top = rad_deg(half_w / EARTH_RADIUS / deg_rad(lat + lat_delta).cos());
        let lon_delta_bottom = rad_deg(half_w / EARTH_RADIUS / deg_rad(lat - lat_delta).cos());
        // The wider edge is the one nearer the pole.
        let lon_delta = if lat < 0.0 { lon_delta_bottom } else { lon_delta_top };
        [lon - lon_delta, lat - lat_delta, lon + lon_delta, lat + lat_delta]
    }

    /// The cells to scan: the center's and its neighbours (center, N, S, E,
    /// W, NE, NW, SE, SW), `None` for the ones the shape cannot reach.
    fn cells(&self) -> [Option<Cell>; 9] {
        let radius = match self.extent {
            Extent::Radius(r) => r * self.unit,
            Extent::Box(w, h) => ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt() * self.unit,
        };
        let [min_lon, min_lat, max_lon, max_lat] = self.bounds();
        let [lon, lat] = self.center;
        let range = (LAT_MIN, LAT_MAX);
        let around = |step: u32| {
            let c = encode(lon, lat, range, step).unwrap_or(Cell { bits: 0, step });
            let n = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
                .map(|(dlat, dlon)| neighbour(c, dlat, dlon));
            (decode(c, range), n)
        };
        let mut step = steps_for_radius(radius, lat);
        let (mut area, mut cells) = around(step);
        // The estimate may leave part of the shape outside the 3x3 block.
        let north = decode(cells[1], range);
        let south = decode(cells[2], range);
        let east = decode(cells[3], range);
        let west = decode(cells[4], range);
        let too_fine =
            north.lat_max < max_lat || south.lat_min > min_lat || east.lon_max < max_lon || west.lon_min > min_lon;
        if step > 1 && too_fine {
            step -= 1;
            (area, cells) = around(step);
        }
        let mut out = cells.map(Some);
        if step >= 2 {
            // Drop the sides the shape does not reach.
            let mut drop = |idx: [usize; 3]| idx.iter().for_each(|&i| out[i] = None);
            if area.lat_min < min_lat {
                drop([2, 7, 8]);
            }
            if area.lat_max > max_lat {
                drop([1, 5, 6]);
            }
            if area.lon_min < min_lon {
                drop([4, 8, 6]);
            }
            if area.lon_max > max_lon {
                drop([3, 7, 5]);
            }
        }
        out
    }

    /// The distance in meters from the center to `p`, if `p` is inside.
    fn contains(&self, p: [f64; 2]) -> Option<f64> {
        let [x1, y1] = self.center;
        let [x2, y2] = p;
        match self.extent {
            Extent::Radius(r) => {
                let d = distance(x1, y1, x2, y2);
                (d <= r * self.unit).then_some(d)
            }
            Extent::Box(w, h) => {
                if lat_distance(y2, y1) > h * self.unit / 2.0 {
                    return None;
                }
                if distance(x2, y2, x1, y2) > w * self.unit / 2.0 {
                    return None;
                }
                Some(distance(x1, y1, x2, y2))
            }
        }
    }
}

/// One search hit.
struct Hit {
    member: Vec<u8>,
    score: f64,
    dist: f64,
    pos: [f64; 2],
}

/// The members of `z` inside `shape`, in scan order; stops after `limit`
/// hits when `limit > 0` (COUNT ... ANY).
fn search(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut last: Option<Cell> = None;
    for cell in shape.cells().into_iter().flatten() {
        // Huge radii make neighbours coincide: skip a repeat of the last cell.
        if last == Some(cell) {
            continue;
        }
        if limit > 0 && hits.len() >= limit {
            break;
        }
        last = Some(cell);
        let shift = 52 - 2 * cell.step;
        let min = (cell.bits << shift) as f64;
        let max = ((cell.bits + 1) << shift) as f64;
        let (start, end) =
            z.score_range(ScoreBound { value: min, exclusive: false }, ScoreBound { value: max, exclusive: true });
        let mut full = false;
        z.for_range(start, end, false, |m, s| {
            if full {
                return;
            }
            let pos = position_of(s);
            if let Some(dist) = shape.contains(pos) {
                hits.push(Hit { member: m.to_vec(), score: s, dist, pos });
                full = limit > 0 && hits.len() >= limit;
            }
        });
    }
    hits
}

// ---------------------------------------------------------------------------
// Arguments and replies
// ---------------------------------------------------------------------------

/// A double argument, with `msg` (or the generic float error) when invalid.
fn double_arg(arg: &[u8], msg: Option<&'static str>) -> Result<f64, CmdError> {
    ember_num::parse_f64(arg).ok_or_else(|| msg.map_or(CmdError::NotFloat, CmdError::err))
}

/// `longitude latitude`, validated.
fn lon_lat_arg(lon: &[u8], lat: &[u8]) -> Result<[f64; 2], CmdError> {
    let lon = double_arg(lon, None)?;
    let lat = double_arg(lat, None)?;
    if !valid_lon_lat(lon, lat) {
        return Err(CmdError::err(format!("invalid longitude,latitude pair {lon:.6},{lat:.6}")));
    }
    Ok([lon, lat])
}

/// Meters per unit.
fn unit_arg(arg: &[u8]) -> Result<f64, CmdError> {
    if is(arg, "m") {
        Ok(1.0)
    } else if is(arg, "km") {
        Ok(1000.0)
    } else if is(arg, "ft") {
        Ok(0.3048)
    } else if is(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::err("unsupported unit provided. please use M, KM, FT, MI"))
    }
}

/// `radius unit`: (radius, meters per unit).
fn radius_args(radius: &[u8], unit: &[u8]) -> Result<(f64, f64), CmdError> {
    let r = double_arg(radius, Some("need numeric radius"))?;
    if r < 0.0 {
        return Err(CmdError::err("radius cannot be negative"));
    }
    Ok((r, unit_arg(unit)?))
}

/// A distance as Redis prints it: a bulk string with 4 decimals.
fn reply_distance(out: &mut Out, meters: f64) {
    out.bulk(format!("{meters:.4}").as_bytes());
}

/// A coordinate as Redis prints it (`%.17Lf` without trailing zeros): a bulk
/// string in RESP2, a double in RESP3.
fn reply_coord(out: &mut Out, v: f64) {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        let keep = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(keep);
    }
    if s == "-0" {
        s = "0".into();
    }
    match out.proto {
        Protocol::Resp2 => out.bulk(s.as_bytes()),
        Protocol::Resp3 => {
            out.buf.extend_from_slice(b",");
            out.buf.extend_from_slice(s.as_bytes());
            out.buf.extend_from_slice(b"\r\n");
        }
    }
}

fn reply_position(out: &mut Out, pos: [f64; 2]) {
    out.array(2);
    reply_coord(out, pos[0]);
    reply_coord(out, pos[1]);
}

// ---------------------------------------------------------------------------
// GEOADD, GEOPOS, GEODIST, GEOHASH
// ---------------------------------------------------------------------------

fn geoadd(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (mut nx, mut xx, mut ch) = (false, false, false);
    // The options run until the first argument that is none of them.
    loop {
        if args.eat("NX") {
            nx = true;
        } else if args.eat("XX") {
            xx = true;
        } else if args.eat("CH") {
            ch = true;
        } else {
            break;
        }
    }
    let rest = args.remaining();
    if rest % 3 != 0 || rest == 0 || (nx && xx) {
        return Err(CmdError::Syntax);
    }
    let mut points = Vec::with_capacity(rest / 3);
    while let (Some(lon), Some(lat), Some(member)) = (args.next(), args.next(), args.next()) {
        let [lon, lat] = lon_lat_arg(lon, lat)?;
        let score = score_of(lon, lat).expect("validated coordinates");
        points.push((score, member));
    }
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let exists = lookup_zset(db, key, now)?.is_some();
    let (mut added, mut changed) = (0u64, 0u64);
    if exists || !xx {
        if !exists {
            db.insert(key, Value::ZSet(Box::default()), None, now);
        }
        let z = lookup_zset(db, key, now)?.expect("present");
        for (score, member) in points {
            match z.score(member) {
                Some(_) if nx => {}
                Some(cur) => {
                    if cur != score {
                        z.insert(member, score, &cfg);
                        changed += 1;
                    }
                }
                None if xx => {}
                None => {
                    z.insert(member, score, &cfg);
                    added += 1;
                }
            }
        }
        if z.is_empty() {
            db.remove(key, now);
        }
    }
    ctx.dirty(added + changed);
    if added + changed > 0 {
        // GEOADD is ZADD underneath, in Redis too.
        ctx.notify(ev::ZSET, "zadd", key);
    }
    ctx.out().int((if ch { added + changed } else { added }) as i64);
    Ok(Replied)
}

fn geopos(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let positions: Vec<Option<[f64; 2]>> = match lookup_zset(db, key, now)? {
        Some(z) => members.map(|m| z.score(m).map(position_of)).collect(),
        None => vec![None; members.remaining()],
    };
    let out = ctx.out();
    out.array(positions.len());
    for p in positions {
        match p {
            Some(p) => reply_position(out, p),
            None => out.null_array(),
        }
    }
    Ok(Replied)
}

fn geodist(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (m1, m2) = (args.next_bytes()?, args.next_bytes()?);
    // Too many arguments is a syntax error before the unit is looked at.
    if args.remaining() > 1 {
        return Err(CmdError::Syntax);
    }
    let unit = args.next().map(unit_arg).transpose()?.unwrap_or(1.0);
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let d = lookup_zset(db, key, now)?.and_then(|z| {
        let a = position_of(z.score(m1)?);
        let b = position_of(z.score(m2)?);
        Some(distance(a[0], a[1], b[0], b[1]))
    });
    match d {
        Some(d) => reply_distance(ctx.out(), d / unit),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn geohash(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let hashes: Vec<Option<[u8; 11]>> = match lookup_zset(db, key, now)? {
        Some(z) => members.map(|m| z.score(m).map(geohash_string)).collect(),
        None => vec![None; members.remaining()],
    };
    let out = ctx.out();
    out.array(hashes.len());
    for h in hashes {
        match h {
            Some(h) => out.bulk(&h),
            None => out.null(),
        }
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// GEOSEARCH and friends
// ---------------------------------------------------------------------------

/// Which command of the search family runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GEORADIUS / GEORADIUS_RO: `key lon lat radius unit ...`.
    Radius { store_ok: bool },
    /// GEORADIUSBYMEMBER(_RO): `key member radius unit ...`.
    ByMember { store_ok: bool },
    /// GEOSEARCH / GEOSEARCHSTORE.
    Search { store: bool },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    None,
    Asc,
    Desc,
}

fn georadius(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::Radius { store_ok: true })
}

fn georadius_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::Radius { store_ok: false })
}

fn georadiusbymember(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::ByMember { store_ok: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::ByMember { store_ok: false })
}

fn geosearch(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::Search { store: false })
}

fn geosearchstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    search_generic(ctx, args, Kind::Search { store: true })
}

/// The parsed request of a search command.
struct Request<'a> {
    shape: Shape,
    store: Option<&'a [u8]>,
    storedist: bool,
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    order: Order,
    count: usize,
    any: bool,
}

/// Parses a search command the way Redis does: the key's type is checked
/// first (`z` is the source, already looked up), then the fixed arguments
/// and options in order (a missing source member is only an error when the
/// key exists). `args` is past the source key; `dst` is GEOSEARCHSTORE's
/// destination.
fn parse_search<'a>(
    z: Option<&ZSet>,
    args: &mut Args<'a>,
    kind: Kind,
    dst: Option<&'a [u8]>,
) -> Result<Request<'a>, CmdError> {
    let missing_member = || CmdError::err("could not decode requested zset member");
    let member_pos = |m: &[u8]| z.map(|z| z.score(m).map(position_of).ok_or_else(missing_member)).transpose();
    let mut center = None;
    let mut extent = None;
    let mut unit = 1.0;
    match kind {
        Kind::Radius { .. } => {
            center = Some(lon_lat_arg(args.next_bytes()?, args.next_bytes()?)?);
            let (r, u) = radius_args(args.next_bytes()?, args.next_bytes()?)?;
            (extent, unit) = (Some(Extent::Radius(r)), u);
        }
        Kind::ByMember { .. } => {
            let member = args.next_bytes()?;
            let (radius, unit_name) = (args.next_bytes()?, args.next_bytes()?);
            // Without a key, neither the member nor the radius is looked at.
            if let Some(pos) = member_pos(member)? {
                center = Some(pos);
                let (r, u) = radius_args(radius, unit_name)?;
                (extent, unit) = (Some(Extent::Radius(r)), u);
            }
        }
        Kind::Search { .. } => {}
    }
    let store_ok = matches!(kind, Kind::Radius { store_ok: true } | Kind::ByMember { store_ok: true });
    let search = matches!(kind, Kind::Search { .. });
    let (mut frommember, mut fromlonlat, mut byradius, mut bybox) = (false, false, false, false);
    let mut req = Request {
        shape: Shape { center: [0.0; 2], extent: Extent::Radius(0.0), unit },
        store: dst,
        storedist: false,
        withdist: false,
        withhash: false,
        withcoord: false,
        order: Order::None,
        count: 0,
        any: false,
    };
    while let Some(arg) = args.next() {
        let left = args.remaining();
        if is(arg, "WITHDIST") {
            req.withdist = true;
        } else if is(arg, "WITHHASH") {
            req.withhash = true;
        } else if is(arg, "WITHCOORD") {
            req.withcoord = true;
        } else if is(arg, "ANY") {
            req.any = true;
        } else if is(arg, "ASC") {
            req.order = Order::Asc;
        } else if is(arg, "DESC") {
            req.order = Order::Desc;
        } else if is(arg, "COUNT") && left >= 1 {
            let c = args.next_i64()?;
            if c <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
            req.count = usize::try_from(c).unwrap_or(usize::MAX);
        } else if (is(arg, "STORE") || is(arg, "STOREDIST")) && left >= 1 && store_ok {
            req.store = Some(args.next_bytes()?);
            req.storedist = is(arg, "STOREDIST");
        } else if is(arg, "STOREDIST") && kind == (Kind::Search { store: true }) {
            req.storedist = true;
        } else if is(arg, "FROMMEMBER") && left >= 1 && search && !fromlonlat {
            if let Some(pos) = member_pos(args.next_bytes()?)? {
                center = Some(pos);
            }
            frommember = true;
        } else if is(arg, "FROMLONLAT") && left >= 2 && search && !frommember {
            center = Some(lon_lat_arg(args.next_bytes()?, args.next_bytes()?)?);
            fromlonlat = true;
        } else if is(arg, "BYRADIUS") && left >= 2 && search && !bybox {
            let (r, u) = radius_args(args.next_bytes()?, args.next_bytes()?)?;
            (extent, unit) = (Some(Extent::Radius(r)), u);
            byradius = true;
        } else if is(arg, "BYBOX") && left >= 3 && search && !byradius {
            let w = double_arg(args.next_bytes()?, Some("need numeric width"))?;
            let h = double_arg(args.next_bytes()?, Some("need numeric height"))?;
            if w < 0.0 || h < 0.0 {
                return Err(CmdError::err("height or width cannot be negative"));
            }
            unit = unit_arg(args.next_bytes()?)?;
            extent = Some(Extent::Box(w, h));
            bybox = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if req.store.is_some() && (req.withdist || req.withhash || req.withcoord) {
        let what = if search { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(CmdError::err(format!("{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")));
    }
    if search && !(frommember || fromlonlat) {
        return Err(CmdError::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {}",
            lossy(args.name())
        )));
    }
    if search && !(byradius || bybox) {
        return Err(CmdError::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {}",
            lossy(args.name())
        )));
    }
    if req.any && req.count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    // COUNT alone means the nearest ones.
    if req.count > 0 && req.order == Order::None && !req.any {
        req.order = Order::Asc;
    }
    req.shape = Shape { center: center.unwrap_or_default(), extent: extent.unwrap_or(Extent::Radius(0.0)), unit };
    Ok(req)
}

fn search_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, kind: Kind) -> CmdResult {
    let dst = if kind == (Kind::Search { store: true }) { Some(args.next_bytes()?) } else { None };
    let src = args.next_bytes()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let z = lookup_zset(db, src, now)?;
    let req = parse_search(z.as_deref(), args, kind, dst)?;
    let Some(z) = z else {
        match req.store {
            Some(dst) => {
                if let Some(old) = ctx.srv.store.db(ctx.client.db).remove(dst, now) {
                    ctx.srv.drop_value(old);
                    ctx.dirty(1);
                    ctx.notify(ev::GENERIC, "del", dst);
                }
                ctx.out().int(0);
            }
            None => ctx.out().array(0),
        }
        return Ok(Replied);
    };
    let mut hits = search(z, &req.shape, if req.any { req.count } else { 0 });
    match req.order {
        Order::None => {}
        Order::Asc => hits.sort_by(|a, b| a.dist.total_cmp(&b.dist)),
        Order::Desc => hits.sort_by(|a, b| b.dist.total_cmp(&a.dist)),
    }
    if req.count > 0 {
        hits.truncate(req.count);
    }
    let unit = req.shape.unit;
    if let Some(dst) = req.store {
        let event = if matches!(kind, Kind::Search { .. }) { "geosearchstore" } else { "georadiusstore" };
        store_hits(ctx, dst, &hits, req.storedist.then_some(unit), event);
        return Ok(Replied);
    }
    let out = ctx.out();
    out.array(hits.len());
    let fields = usize::from(req.withdist) + usize::from(req.withhash) + usize::from(req.withcoord);
    for h in &hits {
        if fields == 0 {
            out.bulk(&h.member);
            continue;
        }
        out.array(fields + 1);
        out.bulk(&h.member);
        if req.withdist {
            reply_distance(out, h.dist / unit);
        }
        if req.withhash {
            out.int(h.score as i64);
        }
        if req.withcoord {
            reply_position(out, h.pos);
        }
    }
    Ok(Replied)
}

/// Stores `hits` as the sorted set `dst` (scores: geohashes, or distances
/// in `unit`s when given), replacing it, or deletes `dst` when there are
/// none; replies with the count.
fn store_hits(ctx: &mut Ctx<'_>, dst: &[u8], hits: &[Hit], dist_unit: Option<f64>, event: &str) {
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    if hits.is_empty() {
        if let Some(old) = ctx.srv.store.db(ctx.client.db).remove(dst, now) {
            ctx.srv.drop_value(old);
            ctx.dirty(1);
            ctx.notify(ev::GENERIC, "del", dst);
        }
    } else {
        let big = hits.len() > cfg.zset_max_listpack_entries
            || hits.iter().any(|h| h.member.len() > cfg.zset_max_listpack_value);
        let mut z = if big { ZSet::new_skiplist() } else { ZSet::new() };
        for h in hits {
            z.insert(&h.member, dist_unit.map_or(h.score, |u| h.dist / u), &cfg);
        }
        if let Some(old) = ctx.srv.store.db(ctx.client.db).insert(dst, Value::ZSet(Box::new(z)), None, now) {
            ctx.srv.drop_value(old);
        }
        ctx.dirty(1);
        ctx.notify(ev::ZSET, event, dst);
    }
    ctx.out().int(hits.len() as i64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    /// The flags `[withdist, withhash, withcoord, any, storedist]`, the
    /// store key, the order and the count of a request.
    type Parsed = ([bool; 5], Option<String>, &'static str, usize);

    /// What parse_search makes of `line` for a missing key, or its error text.
    fn parse(line: &str, kind: Kind) -> Result<Parsed, String> {
        with_args(line, 1, |a| {
            let dst = if kind == (Kind::Search { store: true }) { a.next() } else { None };
            a.next();
            let r = parse_search(None, a, kind, dst).map_err(|e| e.to_string())?;
            let order = match r.order {
                Order::None => "none",
                Order::Asc => "asc",
                Order::Desc => "desc",
            };
            let store = r.store.map(|s| String::from_utf8_lossy(s).into_owned());
            Ok(([r.withdist, r.withhash, r.withcoord, r.any, r.storedist], store, order, r.count))
        })
    }

    #[test]
    fn search_arguments_parse_like_redis() {
        let radius = Kind::Radius { store_ok: true };
        let search = Kind::Search { store: false };
        let store = Kind::Search { store: true };
        let err = |s: &str| Err(format!("ERR {s}"));
        let no = [false; 5];
        for (line, kind, want) in [
            ("georadius k 15 37 200 km", radius, Ok((no, None, "none", 0))),
            (
                "georadius k 15 37 200 km withdist withhash withcoord count 2",
                radius,
                Ok(([true, true, true, false, false], None, "asc", 2)),
            ),
            (
                "georadius k 15 37 200 km count 2 any desc",
                radius,
                Ok(([false, false, false, true, false], None, "desc", 2)),
            ),
            (
                "georadius k 15 37 200 km storedist d",
                radius,
                Ok(([false, false, false, false, true], Some("d".into()), "none", 0)),
            ),
            ("georadius_ro k 15 37 200 km store d", Kind::Radius { store_ok: false }, Err("ERR syntax error".into())),
            ("georadius k 15 37 -1 km", radius, err("radius cannot be negative")),
            ("georadius k 15 37 x km", radius, err("need numeric radius")),
            ("georadius k 15 37 1 parsec", radius, err("unsupported unit provided. please use M, KM, FT, MI")),
            ("georadius k 200 37 1 km", radius, err("invalid longitude,latitude pair 200.000000,37.000000")),
            ("georadius k 15 37 1 km count 0", radius, err("COUNT must be > 0")),
            ("georadius k 15 37 1 km count x", radius, err("value is not an integer or out of range")),
            ("georadius k 15 37 1 km any", radius, err("the ANY argument requires COUNT argument")),
            (
                "georadius k 15 37 1 km store d withdist",
                radius,
                err("STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
            ),
            ("geosearch k fromlonlat 15 37 bybox 2 2 km", search, Ok((no, None, "none", 0))),
            ("geosearch k frommember m byradius 1 m", search, Ok((no, None, "none", 0))),
            ("geosearch k fromlonlat 15 37 bybox -1 2 km", search, err("height or width cannot be negative")),
            ("geosearch k fromlonlat 15 37 bybox x 2 km", search, err("need numeric width")),
            ("geosearch k fromlonlat 15 37 bybox 2 x km", search, err("need numeric height")),
            ("geosearch k fromlonlat 15 37 byradius 1 km bybox 1 1 km", search, Err("ERR syntax error".into())),
            ("geosearch k frommember m fromlonlat 1 1 byradius 1 km", search, Err("ERR syntax error".into())),
            ("geosearch k fromlonlat 15 37 byradius 1 km storedist", search, Err("ERR syntax error".into())),
            (
                "geosearch k byradius 1 km",
                search,
                err("exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch"),
            ),
            (
                "geosearch k fromlonlat 15 37",
                search,
                err("exactly one of BYRADIUS and BYBOX can be specified for geosearch"),
            ),
            (
                "geosearchstore d k fromlonlat 15 37 byradius 1 km storedist",
                store,
                Ok(([false, false, false, false, true], Some("d".into()), "none", 0)),
            ),
            (
                "geosearchstore d k fromlonlat 15 37 byradius 1 km withcoord",
                store,
                err("GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
            ),
        ] {
            assert_eq!(parse(line, kind), want, "{line}");
        }
    }

    #[test]
    fn interleaving_round_trips() {
        for (a, b) in [(0u32, 0u32), (1, 0), (0, 1), (0x3ff_ffff, 0x155_5555), (u32::MAX, 7)] {
            assert_eq!(deinterleave(interleave(a, b)), (a, b));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn scores_match_redis() {
        // Values observed from redis-server 7.0.
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698.0));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909.0));
        assert_eq!(score_of(200.0, 1.0), None);
        let [lon, lat] = position_of(3479099956230698.0);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        assert_eq!(&geohash_string(3479099956230698.0), b"sqc8b49rny0");
        assert_eq!(&geohash_string(3479447370796909.0), b"sqdtr74hyu0");
    }

    #[test]
    fn distances_match_redis() {
        let a = position_of(3479099956230698.0);
        let b = position_of(3479447370796909.0);
        assert_eq!(format!("{:.4}", distance(a[0], a[1], b[0], b[1])), "166274.1516");
        assert_eq!(distance(a[0], a[1], a[0], a[1]), 0.0);
    }

    #[test]
    fn steps_shrink_with_radius() {
        assert_eq!(steps_for_radius(0.0, 0.0), 26);
        assert!(steps_for_radius(1.0, 0.0) > steps_for_radius(100_000.0, 0.0));
        assert_eq!(steps_for_radius(1e9, 0.0), 1);
        assert!(steps_for_radius(1000.0, 70.0) < steps_for_radius(1000.0, 10.0));
    }

    #[test]
    fn neighbours_wrap() {
        let c = Cell { bits: interleave(0, 0), step: 2 };
        assert_eq!(deinterleave(neighbour(c, -1, -1).bits), (3, 3));
        assert_eq!(deinterleave(neighbour(c, 1, 1).bits), (1, 1));
    }
}
