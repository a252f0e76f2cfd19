//! Geo commands, differentially: hand-written sequences for every command
//! and error case go to ember and to a real `redis-server` (7.0) in RESP2
//! and RESP3 (see `common::diff` for the line syntax); then a few
//! thousand seeded random points are added to both and many random
//! GEOSEARCH / GEORADIUS queries are compared: exactly when the reply has
//! an order (ASC / DESC, or COUNT without ANY), as a set of items otherwise.
//! Distances and coordinates are compared as the strings both servers print.

mod common;

use common::diff::{check, fresh, report, sorted, Sequences};
use common::{show, Rng, Server};

fn sequences() -> Sequences {
    vec![
        (
            "geoadd",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania => :2",
                "ZRANGE g 0 -1 WITHSCORES",
                "ZSCORE g Palermo => \"3479099956230698\"",
                "GEOADD g 13.361389 38.115556 Palermo => :0",
                "GEOADD g CH 13.361389 38.115556 Palermo => :0",
                "GEOADD g CH 13.361389 38.1 Palermo 1 1 a => :2",
                "GEOADD g XX CH 13.361389 38.115556 Palermo 2 2 b => :1",
                "GEOADD g NX CH 0 0 Palermo 3 3 c => :1",
                "GEOADD g ch nx 4 4 d => :1",
                "GEOADD g XX 5 5 e => :0",
                "GEOADD nokey XX 5 5 e => :0",
                "EXISTS nokey => :0",
                "ZRANGE g 0 -1 WITHSCORES",
                "GEOADD g NX XX 1 1 a",
                "GEOADD g 200 100 x",
                "GEOADD g 13 86 x",
                "GEOADD g -180.0000001 0 x",
                "GEOADD g 180 85.05112878 n1 -180 -85.05112878 s1 => :2",
                "GEOADD g 180 85.05112879 x",
                "GEOADD g 1 1 ok 200 1 bad",
                "ZSCORE g ok => $-1",
                "GEOADD g abc 1 x",
                "GEOADD g 1 abc x",
                "GEOADD g 1 inf x",
                "GEOADD g 1 nan x",
                "GEOADD g 0x10 0x1 hex",
                "GEOADD g 1 1",
                "GEOADD g 1 1 a 2",
                "GEOADD g foo 1 1 a",
                "GEOADD g ch ch ch",
                "GEOADD g GT 1 1 a",
                "GEOADD g INCR 1 1 a",
                "GEOADD g",
                "SET s x",
                "GEOADD s 1 1 a",
                "ZRANGE g 0 -1 WITHSCORES",
            ],
        ),
        (
            "geopos geohash geodist",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                "GEOADD g 180 85.05112878 n1 -180 -85.05112878 s1 0 0 zero -0.5 -0.5 neg",
                "GEOPOS g Palermo Catania nope n1 s1 zero neg",
                "GEOPOS g",
                "GEOPOS nokey a b",
                "GEOPOS nokey",
                "GEOHASH g Palermo Catania nope n1 s1 zero neg",
                "GEOHASH g",
                "GEOHASH nokey a",
                "GEODIST g Palermo Catania => \"166274.1516\"",
                "GEODIST g Palermo Catania m",
                "GEODIST g Palermo Catania KM",
                "GEODIST g Palermo Catania ft",
                "GEODIST g Palermo Catania Mi",
                "GEODIST g Palermo Palermo",
                "GEODIST g n1 s1",
                "GEODIST g zero neg km",
                "GEODIST g Palermo nope",
                "GEODIST g nope Palermo km",
                "GEODIST nokey a b",
                "GEODIST g Palermo Catania yd",
                "GEODIST nokey a b yd",
                "GEODIST g Palermo Catania km x",
                "GEODIST g Palermo",
                "ZADD g 0 lowest 4503599627370495 highest",
                "GEOPOS g lowest highest",
                "GEOHASH g lowest highest",
                "SET s x",
                "GEOPOS s a",
                "GEOHASH s a",
                "GEODIST s a b",
                "GEODIST s a b yd",
            ],
        ),
        (
            "geosearch",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                "GEOADD g 12.758489 38.788135 edge1 17.241510 38.788135 edge2 13.5 38 p3 14 37.7 p4",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km DESC",
                "!sort GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST WITHHASH",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHHASH WITHCOORD",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200000 m ASC WITHDIST",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 mi ASC WITHDIST",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200000 FT ASC WITHDIST",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2 DESC",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2 ANY",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2 ANY ASC",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 100 ASC",
                "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 100 km ASC WITHDIST",
                "GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km ASC WITHDIST",
                "GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km COUNT 1 DESC WITHDIST",
                "GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHDIST WITHCOORD",
                "GEOSEARCH g FROMLONLAT 15 37 BYBOX 1 1 km",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 0 km",
                "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 0 km",
                "GEOSEARCH g FROMMEMBER Palermo BYBOX 0 0 km WITHDIST",
                "!sort GEOSEARCH g FROMLONLAT 0 0 BYRADIUS inf km",
                "!sort GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 20000 km",
                "GEOSEARCH g BYRADIUS 10 km FROMLONLAT 15 37 fromlonlat 15 37 byradius 200 km withdist asc",
                "GEOSEARCH g FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 1 m",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST WITHDIST ASC COUNT 1 COUNT 3",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km count 1 any any",
                "GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km",
                "GEOSEARCH nokey FROMMEMBER nope BYRADIUS 200 km",
                "GEOSEARCH g FROMMEMBER nope BYRADIUS 200 km",
            ],
        ),
        (
            "geosearch errors",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                "SET s x",
                "GEOSEARCH g FROMLONLAT 15 37",
                "GEOSEARCH g BYRADIUS 10 km",
                "GEOSEARCH g FROMLONLAT 15 37 COUNT 10 ASC",
                "GEOSEARCH g BYBOX 1 1 km COUNT 1",
                "GEOSEARCH g FROMMEMBER Palermo COUNT 1 ASC",
                "geosearch g FROMMEMBER Palermo COUNT 1 ASC",
                "GEOSEARCHSTORE d g FROMMEMBER Palermo COUNT 1 ASC",
                "GeoSearchStore d g BYRADIUS 1 km COUNT 1 ASC",
                "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km",
                "GEOSEARCH g BYBOX 1 1 km BYRADIUS 200 km FROMLONLAT 15 37",
                "GEOSEARCH g FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km",
                "GEOSEARCH g FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT 200 1 BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT 1 86 BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT inf 1 BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT x 1 BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT 1 x BYRADIUS 1 km",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS x km",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS -1 km",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 yd",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX x 1 km",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX 1 x km",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX -1 1 km",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX 1 -1 km",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX 1 1 yd",
                "GEOSEARCH g FROMLONLAT 1 1 BYBOX 1 1",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT 0",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT -1",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT x",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT 99999999999999999999",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km ANY",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT 0 ANY",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km STORE d",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km STOREDIST",
                "GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km foo",
                "GEOSEARCH nokey FROMLONLAT 1 1 BYRADIUS -1 km",
                "GEOSEARCH nokey FROMLONLAT 1 1 BYRADIUS 1 km foo",
                "GEOSEARCH nokey FROMLONLAT 1 1 COUNT 1",
                "GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km",
                "GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km foo",
                "GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km COUNT 0",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 1 km WITHDIST",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 1 km WITHHASH",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 1 km STORE x",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 1 km STOREDIST COUNT 0",
                "GEOSEARCHSTORE d s FROMLONLAT 1 1 BYRADIUS 1 km",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS",
            ],
        ),
        (
            "geosearchstore",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 1 1 a 2 2 b",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 10000 km => :4",
                "ZRANGE d 0 -1 WITHSCORES",
                "OBJECT ENCODING d",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 10000 km STOREDIST => :4",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 10000 km STOREDIST COUNT 2 DESC",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 10000 mi storedist count 3",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEOSEARCHSTORE g g FROMMEMBER a BYBOX 400 400 km",
                "ZRANGE g 0 -1 WITHSCORES",
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                "GEOSEARCHSTORE d g FROMLONLAT 50 50 BYRADIUS 1 m => :0",
                "EXISTS d => :0",
                "SET d x",
                "GEOSEARCHSTORE d nokey FROMLONLAT 50 50 BYRADIUS 1 m => :0",
                "EXISTS d => :0",
                "SET d x",
                "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS 1 km => :1",
                "TYPE d",
                "GEOSEARCHSTORE d nokey FROMMEMBER zz BYRADIUS 1 m => :0",
            ],
        ),
        (
            "georadius",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 1 1 a 2 2 b",
                "!sort GEORADIUS g 15 37 200 km",
                "GEORADIUS g 15 37 200 km WITHDIST ASC",
                "GEORADIUS g 15 37 200 km WITHDIST WITHCOORD WITHHASH DESC",
                "GEORADIUS g 15 37 200 km COUNT 1",
                "GEORADIUS g 15 37 200 km COUNT 1 ANY",
                "GEORADIUS_RO g 15 37 200 km WITHDIST ASC",
                "GEORADIUS_RO g 15 37 200 km count 1 desc withcoord",
                "GEORADIUS g 15 37 200 km STORE d => :2",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEORADIUS g 15 37 200 km STOREDIST d => :2",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEORADIUS g 15 37 200 km STORE d STOREDIST d2",
                "EXISTS d2",
                "ZRANGE d2 0 -1 WITHSCORES",
                "GEORADIUS g 15 37 1 m STORE d => :0",
                "EXISTS d => :0",
                "GEORADIUS nokey 15 37 1 m STORE d2 => :0",
                "EXISTS d2 => :0",
                "GEORADIUS nokey 15 37 1 m",
                "GEORADIUS nokey 200 37 1 m",
                "GEORADIUS g 200 37 1 m",
                "GEORADIUS g 15 37 -1 m",
                "GEORADIUS g 15 37 x m",
                "GEORADIUS g 15 37 1 yd",
                "GEORADIUS g 15 37 1 km COUNT 0",
                "GEORADIUS g 15 37 1 km ANY",
                "GEORADIUS g 15 37 1 km FROMMEMBER a",
                "GEORADIUS g 15 37 1 km BYBOX 1 1 km",
                "GEORADIUS g 15 37 1 km STOREDIST",
                "GEORADIUS g 15 37 1 km STORE",
                "GEORADIUS g 15 37 1 km STORE d WITHDIST",
                "GEORADIUS g 15 37 1 km WITHCOORD STOREDIST d",
                "GEORADIUS_RO g 15 37 1 km STORE d",
                "GEORADIUS_RO g 15 37 1 km STOREDIST d",
                "SET s x",
                "GEORADIUS s 15 37 1 km",
                "GEORADIUS s 200 37 1 km",
            ],
        ),
        (
            "georadiusbymember",
            vec![
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 1 1 a 2 2 b",
                "GEORADIUSBYMEMBER g Palermo 200 km WITHDIST ASC",
                "!sort GEORADIUSBYMEMBER g Palermo 200 km",
                "GEORADIUSBYMEMBER g Palermo 200 km WITHDIST WITHHASH WITHCOORD DESC",
                "GEORADIUSBYMEMBER g a 500 km COUNT 1",
                "GEORADIUSBYMEMBER_RO g Palermo 200 km WITHDIST ASC",
                "GEORADIUSBYMEMBER g Palermo 200 km STORE d => :2",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEORADIUSBYMEMBER g Palermo 200 km STOREDIST d => :2",
                "ZRANGE d 0 -1 WITHSCORES",
                "GEORADIUSBYMEMBER g nope 200 km",
                "GEORADIUSBYMEMBER g nope -1 km",
                "GEORADIUSBYMEMBER g Palermo -1 km",
                "GEORADIUSBYMEMBER g Palermo 1 yd",
                "GEORADIUSBYMEMBER nokey nope 200 km",
                "GEORADIUSBYMEMBER nokey nope -1 yd",
                "GEORADIUSBYMEMBER nokey nope -1 yd foo",
                "GEORADIUSBYMEMBER nokey nope -1 yd COUNT 0",
                "GEORADIUSBYMEMBER nokey nope 1 km STORE d => :0",
                "EXISTS d => :0",
                "GEORADIUSBYMEMBER_RO g Palermo 200 km STORE d",
                "GEORADIUSBYMEMBER g Palermo 200 km STORE d WITHHASH",
                "SET s x",
                "GEORADIUSBYMEMBER s Palermo 200 km",
            ],
        ),
        (
            "ties in distance",
            vec![
                "GEOADD t 1 1 a 1 1 b 1 1 c 1 1 d 1 1 e 1 1 f 1 1 g 1 1 h 2 2 z",
                "GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 1000 km ASC",
                "GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 1000 km DESC WITHDIST",
                // Under COUNT, Redis 7.0 partially sorts and orders ties
                // arbitrarily; ember keeps them in index order.
                "!sort GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 1000 km ASC COUNT 8",
                "!sort GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 1000 km DESC COUNT 9",
                "GEOSEARCH t FROMLONLAT 1 1 BYRADIUS 1000 km COUNT 3 ANY",
            ],
        ),
        (
            "geo on other zsets",
            vec![
                "ZADD z 0 zero 1 one -1 minus 1e20 huge",
                "GEOPOS z zero one minus",
                "GEOHASH z zero one",
                "GEODIST z zero one",
                "!sort GEOSEARCH z FROMLONLAT -180 -85 BYRADIUS 100 km WITHCOORD",
            ],
        ),
    ]
}

#[test]
fn differential_geo() {
    check(sequences, &[]);
}

#[test]
fn differential_geo_skiplist() {
    check(sequences, &["--zset-max-listpack-entries", "2"]);
}

/// Cluster centers (lon, lat): near the poles' limits, the antimeridian,
/// the equator / prime meridian, and ordinary places.
const CENTERS: &[(f64, f64)] = &[
    (13.4, 38.1),
    (-0.1, 51.5),
    (179.9, 0.5),
    (-179.9, -10.0),
    (0.0, 0.0),
    (25.0, 84.5),
    (-70.0, -84.9),
    (139.7, 35.7),
];

fn random_point(rng: &mut Rng) -> (f64, f64) {
    if rng.below(4) == 0 {
        return (rng.uniform(-180.0, 180.0), rng.uniform(-85.05, 85.05));
    }
    let (lon, lat) = CENTERS[rng.below(CENTERS.len() as u64) as usize];
    let spread = [0.01, 0.3, 3.0][rng.below(3) as usize];
    let lon = (lon + rng.uniform(-spread, spread)).clamp(-180.0, 180.0);
    let lat = (lat + rng.uniform(-spread, spread)).clamp(-85.05, 85.05);
    (lon, lat)
}

/// A random search command; returns it and whether the reply is ordered.
fn random_query(rng: &mut Rng, members: usize) -> (Vec<String>, bool) {
    let units = ["m", "km", "ft", "mi", "KM"];
    let unit = rng.pick(&units);
    let meters = [1.0, 1000.0, 0.3048, 1609.34, 1000.0][units.iter().position(|u| *u == unit).unwrap()];
    // Radius from ~1 m to ~5000 km, log-uniform, in the chosen unit.
    let size = |rng: &mut Rng| format!("{:.3}", 10f64.powf(rng.uniform(0.0, 6.7)) / meters);
    let (lon, lat) = random_point(rng);
    let member = format!("m{}", rng.below(members as u64));
    let mut w: Vec<String> = match rng.below(6) {
        0 => vec!["GEORADIUS".into(), "g".into(), format!("{lon:.6}"), format!("{lat:.6}"), size(rng), unit.into()],
        1 => vec!["GEORADIUS_RO".into(), "g".into(), format!("{lon:.6}"), format!("{lat:.6}"), size(rng), unit.into()],
        2 => vec!["GEORADIUSBYMEMBER".into(), "g".into(), member, size(rng), unit.into()],
        _ => {
            let mut w: Vec<String> = vec!["GEOSEARCH".into(), "g".into()];
            if rng.below(2) == 0 {
                w.extend(["FROMLONLAT".into(), format!("{lon:.6}"), format!("{lat:.6}")]);
            } else {
                w.extend(["FROMMEMBER".into(), member]);
            }
            if rng.below(2) == 0 {
                w.extend(["BYRADIUS".into(), size(rng), unit.into()]);
            } else {
                w.extend(["BYBOX".into(), size(rng), size(rng), unit.into()]);
            }
            w
        }
    };
    let mut ordered = false;
    match rng.below(4) {
        0 => {
            w.push("ASC".into());
            ordered = true;
        }
        1 => {
            w.push("DESC".into());
            ordered = true;
        }
        _ => {}
    }
    if rng.below(3) == 0 {
        w.extend(["COUNT".into(), (1 + rng.below(20)).to_string()]);
        if rng.below(3) == 0 {
            w.push("ANY".into());
        } else {
            ordered = true;
        }
    }
    for opt in ["WITHDIST", "WITHCOORD", "WITHHASH"] {
        if rng.below(3) == 0 {
            w.push(opt.into());
        }
    }
    (w, ordered)
}

/// Seeds `n` random points into `g` on both servers, then compares
/// `queries` random searches; returns the mismatches.
fn run_random(ember: &Server, redis: &Server, seed: u64, resp3: bool, n: usize, queries: usize) -> Vec<String> {
    let mut e = fresh(ember, resp3, &[]);
    let mut r = fresh(redis, resp3, &[]);
    let mut rng = Rng(seed);
    let mut problems = Vec::new();
    for chunk in 0..n.div_ceil(100) {
        let mut argv: Vec<String> = vec!["GEOADD".into(), "g".into()];
        for i in chunk * 100..((chunk + 1) * 100).min(n) {
            let (lon, lat) = random_point(&mut rng);
            argv.extend([format!("{lon:.6}"), format!("{lat:.6}"), format!("m{i}")]);
        }
        let (a, b) = (e.cmd(&argv), r.cmd(&argv));
        assert_eq!(a, b, "GEOADD differs");
    }
    // One point on each corner and edge of the indexable area (one each:
    // members at the very same spot tie in distance, and Redis orders ties
    // unpredictably under COUNT).
    let mut edges: Vec<String> = vec!["GEOADD".into(), "g".into()];
    for (i, lon) in ["-180", "180", "0"].iter().enumerate() {
        for (j, lat) in ["-85.05112878", "85.05112878", "0"].iter().enumerate() {
            edges.extend([lon.to_string(), lat.to_string(), format!("edge{i}{j}")]);
        }
    }
    assert_eq!(e.cmd(&edges), r.cmd(&edges), "GEOADD differs");
    let all = "ZRANGE g 0 -1 WITHSCORES";
    assert_eq!(e.run(all), r.run(all), "seeded sets differ");
    for _ in 0..queries {
        let (words, ordered) = random_query(&mut rng, n);
        let (a, b) = (e.cmd(&words), r.cmd(&words));
        let same = if ordered { a == b } else { sorted(&a) == sorted(&b) };
        if !same {
            problems.push(format!(
                "seed {seed:#x} resp3={resp3}: {}\n      ember: {}\n      redis: {}",
                words.join(" "),
                show(&a),
                show(&b)
            ));
            if problems.len() > 20 {
                break;
            }
        }
    }
    problems
}

#[test]
fn differential_random_geo_queries() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let mut problems = run_random(&ember, &redis, 0x6e0_5eed_0001, false, 3000, 3000);
    problems.extend(run_random(&ember, &redis, 0x6e0_5eed_0002, true, 3000, 2000));
    // EMBER_GEO_EXTRA_SEEDS=N runs N more seeds (for soak testing).
    let extra: u64 = std::env::var("EMBER_GEO_EXTRA_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    for i in 0..extra {
        let seed = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i + 3);
        problems.extend(run_random(&ember, &redis, seed, i % 2 == 1, 1000 + (i as usize % 4) * 1000, 2000));
    }
    report(&problems, "the random queries");
}
