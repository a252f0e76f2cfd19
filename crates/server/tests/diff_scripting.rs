//! Differential tests of Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO,
//! SCRIPT) against a real `redis-server` (7.0): conversions both ways in
//! RESP2 and RESP3, error texts (compile, runtime, `redis.call` errors with
//! their `script: <sha>, on @user_script:N.` suffix), global protection,
//! pcall, the `cjson`, `bit` and `cmsgpack` libraries, script flags, SCRIPT
//! subcommands, EVAL inside MULTI, functions (FUNCTION LOAD/LIST/DELETE/
//! FLUSH/STATS/DUMP/RESTORE, FCALL, FCALL_RO; their RDB persistence both
//! ways); plus semantics both servers must show:
//! a script's write invalidates a WATCH and wakes a blocked client, and
//! commandstats count EVAL and the commands it ran.

mod common;

use common::diff::{check_with, fresh, Opts, Sequences};
use common::{show, Frame, Server};

fn sequences() -> Sequences {
    vec![
        (
            "lua to redis conversions",
            vec![
                "EVAL \"return {1,2,3,'a',nil,4}\" 0 => [:1, :2, :3, \"a\"]",
                "EVAL \"return {1.9,-2.7,true,false,{ok='x'},{err='My err'}}\" 0",
                "EVAL \"return {err='My err'}\" 0 => -My err",
                "EVAL \"return {err='ERR'}\" 0",
                "EVAL \"return {ok='a',err='b'}\" 0",
                "EVAL \"return {err='a\\r\\nb'}\" 0",
                "EVAL \"return redis.status_reply('a\\r\\nb')\" 0",
                "EVAL \"return true\" 0 => :1",
                "EVAL \"return false\" 0",
                "EVAL \"return nil\" 0",
                "EVAL \"local x = 1\" 0",
                "EVAL \"return 3.99\" 0 => :3",
                "EVAL \"return -3.99\" 0 => :-3",
                "EVAL \"return 'x'\" 0 => \"x\"",
                "EVAL \"return {1,{2,{3}}}\" 0",
                "EVAL \"return {1, 2, 3, [5] = 5}\" 0",
                "EVAL \"return 9007199254740993\" 0",
                "EVAL \"return -1e30\" 0",
                "EVAL \"return 0/0\" 0",
                "EVAL \"return {1/0}\" 0",
                "EVAL \"return {double=3.5}\" 0",
                "EVAL \"return {double=0.1}\" 0",
                "EVAL \"return {double=1/0}\" 0",
                "EVAL \"return {big_number='12345678901234567890'}\" 0",
                "EVAL \"return {set={a=true}}\" 0",
                "EVAL \"return {map={a=1}}\" 0",
                "EVAL \"return {map={a={1,2}}}\" 0",
                "EVAL \"return {verbatim_string={format='txt',string='hi'}}\" 0",
                "EVAL \"return {err=1}\" 0",
                "EVAL \"return {ok=1}\" 0",
                "EVAL \"return redis.setresp(3)\" 0",
                "EVAL \"redis.setresp(3) return {1.5, true, false}\" 0",
                "EVAL \"redis.setresp(3) return true\" 0",
                "EVAL \"return ARGV[1]\" 0 \"\\x00\\xff\"",
                "EVAL \"return string.len(ARGV[1])\" 0 \"\\x00\\xff\" => :2",
            ],
        ),
        (
            "redis to lua conversions",
            vec![
                "EVAL \"return redis.call('set','k','v')\" 0 => +OK",
                "EVAL \"return redis.call('get','nokey')\" 0",
                "EVAL \"return {redis.call('get','nokey')}\" 0",
                "EVAL \"return type(redis.call('get','nokey'))\" 0 => \"boolean\"",
                "EVAL \"return redis.call('lrange','nokey',0,-1)\" 0 => []",
                "EVAL \"return redis.call('ping')\" 0 => +PONG",
                "EVAL \"return redis.call('ping')['ok']\" 0 => \"PONG\"",
                "EVAL \"return redis.call('incrby','n', 5)\" 0 => :5",
                "EVAL \"return type(redis.call('incr','n'))\" 0 => \"number\"",
                "EVAL \"redis.call('rpush','l','a','b','c') return redis.call('lrange','l',0,-1)\" 0",
                "EVAL \"return redis.call('lpop','nolist')\" 0",
                "EVAL \"return redis.call('type','l')\" 0",
                "EVAL \"return redis.call('zadd','z','1','a','2.5','b')\" 0",
                "EVAL \"return redis.call('zrange','z',0,-1,'withscores')\" 0",
                "EVAL \"redis.setresp(3) return redis.call('zrange','z',0,-1,'withscores')\" 0",
                "EVAL \"redis.setresp(3) return redis.call('zscore','z','b')\" 0",
                "EVAL \"redis.setresp(3) return redis.call('zscore','z','b').double\" 0",
                "EVAL \"redis.setresp(3) return redis.call('zscore','z','nope')\" 0",
                "EVAL \"redis.call('hset','h','a','1') return redis.call('hgetall','h')\" 0",
                "EVAL \"redis.setresp(3) return redis.call('hgetall','h')\" 0",
                "EVAL \"redis.setresp(3) return redis.call('hgetall','h').map.a\" 0",
                "EVAL \"redis.setresp(3) return type(redis.call('get','nokey'))\" 0 => \"nil\"",
                "EVAL \"redis.setresp(3) redis.call('sadd','s','x') return redis.call('smembers','s')\" 0",
                "EVAL \"redis.setresp(3) return {redis.call('exists','z')}\" 0",
                "EVAL \"redis.setresp(3) return redis.call('config','get','maxclients')\" 0",
                "EVAL \"return redis.call('config','get','maxclients')\" 0",
                "EVAL \"redis.call('set', 'a', 1.5) return redis.call('get', 'a')\" 0 => \"1.5\"",
                "EVAL \"redis.call('set', 'a', 1e20) return redis.call('get', 'a')\" 0",
                "EVAL \"redis.call('set', 'a', 0.1) return redis.call('get', 'a')\" 0",
                "EVAL \"redis.call('set', 'a', -0.0) return redis.call('get', 'a')\" 0",
                "EVAL \"redis.call('set', 'a', 1/0) return redis.call('get', 'a')\" 0",
                "EVAL \"redis.call('set', 'a', 123456789012345678) return redis.call('get', 'a')\" 0",
                "EVAL \"return redis.call('GET','nokey')\" 0",
                "EVAL \"return {KEYS[1],KEYS[2],ARGV[1],ARGV[2],#KEYS,#ARGV}\" 2 a b c d",
                "EVAL \"return #KEYS + #ARGV\" 0 => :0",
                "EVAL \"KEYS[1] = 'x' return KEYS[1]\" 0",
                "EVAL \"redis.call('select','1') redis.call('set','indb1','x') return redis.call('dbsize')\" 0",
                "EXISTS indb1 => :0",
                "SELECT 1",
                "EXISTS indb1 => :1",
                "SELECT 0",
            ],
        ),
        (
            "errors",
            vec![
                "SET str x",
                "EVAL \"return redis.pcall('incr','str')\" 0",
                "EVAL \"local r = redis.pcall('incr','str'); return type(r)..':'..tostring(r.err)\" 0",
                "EVAL \"return redis.call('incr','str')\" 0",
                "EVAL \"redis.call('incr','str')\\nreturn 1\" 0",
                "EVAL \"\\n\\nreturn redis.call('lpush','str','x')\" 0",
                "EVAL \"local ok, e = pcall(redis.call, 'incr', 'str'); return {tostring(ok), type(e), e}\" 0",
                "EVAL \"local ok, e = pcall(function() return redis.call('incr', 'str') end); return {tostring(ok), type(e)}\" 0",
                "EVAL \"error('boom')\" 0",
                "EVAL \"error({err='MYERR boom'})\" 0",
                "EVAL \"error({err='boom'})\" 0",
                "EVAL \"error(123)\" 0",
                "EVAL \"error()\" 0",
                "EVAL \"error('x', 0)\" 0",
                "EVAL \"error('ERR x', 0)\" 0",
                "EVAL \"local t = {} t.x.y = 1\" 0",
                "EVAL \"\\n\\nlocal t = nil\\nreturn t.x\" 0",
                "EVAL \"local function f()\\n  error('deep')\\nend\\nf()\" 0",
                "EVAL \"return redis.call()\" 0",
                "EVAL \"return redis.pcall()\" 0",
                "EVAL \"return redis.call(1)\" 0",
                "EVAL \"return redis.call('nosuchcommand')\" 0",
                "EVAL \"return redis.call('get')\" 0",
                "EVAL \"return redis.pcall('get')\" 0",
                "EVAL \"return redis.call('get', {})\" 0",
                "EVAL \"return redis.pcall('get', {})\" 0",
                "EVAL \"return redis.call('get', nil)\" 0",
                "EVAL \"return redis.call('set', 'a', true)\" 0",
                "EVAL \"return redis.call('multi')\" 0",
                "EVAL \"return redis.call('exec')\" 0",
                "EVAL \"return redis.call('watch','x')\" 0",
                "EVAL \"return redis.call('blpop','nolist', 0)\" 0",
                "EVAL \"return redis.call('client','id')\" 0",
                "EVAL \"return redis.call('script','load','return 1')\" 0",
                "EVAL \"return redis.call('eval','return 1', '0')\" 0",
                "EVAL \"return redis.call('monitor')\" 0",
                "EVAL \"return redis.call('subscribe','ch')\" 0",
                "EVAL \"return redis.call('publish','ch','hi')\" 0",
                "EVAL \"return redis.call('save')\" 0",
                "EVAL \"return redis.status_reply(1)\" 0",
                "EVAL \"return redis.error_reply()\" 0",
                "EVAL \"return redis.error_reply('my error')\" 0",
                "EVAL \"return redis.error_reply('-my error')\" 0",
                "EVAL \"return redis.error_reply('NOCODE')\" 0",
                "EVAL \"return redis.error_reply('')\" 0",
                "EVAL \"return redis.sha1hex()\" 0",
                "EVAL \"return redis.setresp()\" 0",
                "EVAL \"return redis.setresp(4)\" 0",
                "EVAL \"return redis.set_repl(77)\" 0",
                "EVAL \"return redis.log(99, 'hello')\" 0",
                "EVAL \"return redis.log(redis.LOG_WARNING)\" 0",
                "EVAL \"return 1 +\" 0",
                "EVAL \"return 'unfinished\" 0",
                "EVAL \"return 1\" -1",
                "EVAL \"return 1\" 3 a",
                "EVAL \"return 1\" x",
                "EVAL \"return 1\"",
                "EVAL",
                "EVALSHA ffffffffffffffffffffffffffffffffffffffff 0",
                "EVALSHA short 0",
                "EVALSHA ffffffffffffffffffffffffffffffffffffffff -1",
            ],
        ),
        (
            "global protection and the environment",
            vec![
                "EVAL \"return x\" 0",
                "EVAL \"x = 1\" 0",
                "EVAL \"redis = 1\" 0",
                "EVAL \"redis.call = 1\" 0",
                "EVAL \"string.x = 1\" 0",
                "EVAL \"math.floor = nil\" 0",
                "EVAL \"_G.x = 1\" 0",
                "EVAL \"rawset(_G, 'x', 1) return 1\" 0",
                "EVAL \"setmetatable(_G, nil)\" 0",
                "EVAL \"return getmetatable(redis)\" 0",
                "EVAL \"return tostring(_G == _G._G)\" 0",
                "EVAL \"return loadstring('x = 1')()\" 0",
                "EVAL \"return loadstring('return y')()\" 0",
                "EVAL \"return loadstring('return 1 + 1')()\" 0 => :2",
                "EVAL \"return type(os)\" 0",
                "EVAL \"return type(io)\" 0",
                "EVAL \"return type(print)\" 0",
                "EVAL \"return type(dofile)\" 0",
                "EVAL \"return type(loadfile)\" 0",
                "EVAL \"return type(require)\" 0",
                "EVAL \"return type(debug)\" 0",
                "EVAL \"return type(setfenv)\" 0",
                "EVAL \"return type(newproxy)\" 0",
                "EVAL \"return type(loadstring)..type(load)..type(cjson)..type(bit)..type(unpack)..type(gcinfo)..type(coroutine)..type(__redis__err__handler)\" 0",
                "EVAL \"return _VERSION\" 0",
                "EVAL \"return ('x'):upper()\" 0",
                "EVAL \"return string.rep('ab', 3)\" 0",
                "EVAL \"return table.concat({1,2,3}, ',')\" 0",
                "EVAL \"return math.floor(3.7)\" 0",
                "EVAL \"return {unpack({1,2,3})}\" 0",
                "EVAL \"return select('#', 1, 2, 3)\" 0",
                "EVAL \"local co = coroutine.create(function() coroutine.yield(1) end) return {coroutine.resume(co)}\" 0",
                "EVAL \"local ok, e = pcall(error, 'x') return {tostring(ok), e}\" 0",
                "EVAL \"local ok, e = pcall(error, {err='E x'}) return {tostring(ok), e}\" 0",
                "EVAL \"local ok, e = pcall(redis.sha1hex) return {tostring(ok), e}\" 0",
                "EVAL \"return redis.pcall('set', 'a', true)\" 0",
                "EVAL \"return redis.sha1hex('')\" 0",
                "EVAL \"return redis.sha1hex('abc')\" 0",
                "EVAL \"return redis.sha1hex(1)\" 0",
                "EVAL \"return redis.REDIS_VERSION\" 0",
                "EVAL \"return redis.REDIS_VERSION_NUM\" 0",
                "EVAL \"return {redis.LOG_DEBUG,redis.LOG_VERBOSE,redis.LOG_NOTICE,redis.LOG_WARNING}\" 0",
                "EVAL \"return {redis.REPL_NONE,redis.REPL_AOF,redis.REPL_SLAVE,redis.REPL_REPLICA,redis.REPL_ALL}\" 0",
                "EVAL \"return redis.replicate_commands()\" 0",
                "EVAL \"return redis.set_repl(redis.REPL_ALL)\" 0",
                "EVAL \"return redis.log(redis.LOG_DEBUG, 'from a script', 1)\" 0",
                "EVAL \"return redis.breakpoint()\" 0",
                "EVAL \"return redis.debug('x')\" 0",
            ],
        ),
        (
            "cjson and bit",
            vec![
                "EVAL \"return cjson.encode({1,2,'a',{x=1}})\" 0",
                "EVAL \"return cjson.encode({b=1.5})\" 0",
                "EVAL \"return cjson.encode({c='x\\\"y/z'})\" 0",
                "EVAL \"return cjson.encode({})\" 0",
                "EVAL \"return cjson.encode(3)\" 0",
                "EVAL \"return cjson.encode(1/3)\" 0",
                "EVAL \"return cjson.encode(123456789012)\" 0",
                "EVAL \"return cjson.encode(1e20)\" 0",
                "EVAL \"return cjson.encode(-0)\" 0",
                "EVAL \"return cjson.encode(true)\" 0",
                "EVAL \"return cjson.encode(nil)\" 0",
                "EVAL \"return cjson.encode('\\1\\127\\t')\" 0",
                "EVAL \"return cjson.encode({[1]=1,[3]=3})\" 0",
                "EVAL \"return cjson.encode({[1]=1,[2]=2,[4]=4})\" 0",
                "EVAL \"return cjson.encode({[1]=1,[20]=2})\" 0",
                "EVAL \"return cjson.encode({[true]=1})\" 0",
                "EVAL \"return cjson.encode(0/0)\" 0",
                "EVAL \"return cjson.encode(function() end)\" 0",
                "EVAL \"return cjson.encode(cjson.decode('{\\\"a\\\":null}'))\" 0",
                "EVAL \"local t = cjson.decode('[1,2.5,\\\"x\\\",null,true,{\\\"a\\\":[]}]') return {t[1], t[2], t[3], t[4] == cjson.null, tostring(t[5]), type(t[6].a)}\" 0",
                "EVAL \"return cjson.decode('\\\"\\\\u00e9\\\\n\\\"')\" 0",
                "EVAL \"return cjson.decode('[1e2, -0.5, 12345678901234567890]')[3]\" 0",
                "EVAL \"return cjson.decode('{\\\"a\\\":{\\\"b\\\":[1,[2]]}}').a.b[2][1]\" 0",
                "EVAL \"return cjson.decode('bad')\" 0",
                "EVAL \"return cjson.decode('[1,')\" 0",
                "EVAL \"return cjson.decode('[1 2]')\" 0",
                "EVAL \"return cjson.decode('{1:2}')\" 0",
                "EVAL \"return cjson.decode('{\\\"a\\\" 2}')\" 0",
                "EVAL \"return cjson.decode('{\\\"a\\\":2')\" 0",
                "EVAL \"return cjson.decode('1 2')\" 0",
                "EVAL \"return cjson.decode('')\" 0",
                "EVAL \"local ok, e = pcall(cjson.decode, 'bad') return {tostring(ok), e}\" 0",
                "EVAL \"return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0)}\" 0",
                "EVAL \"return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(1, 33), bit.ror(1, 1)}\" 0",
                "EVAL \"return {bit.tobit(2^32+5), bit.tobit(-1), bit.bswap(0x12345678)}\" 0",
                "EVAL \"return {bit.tohex(255), bit.tohex(-1, -4), bit.tohex(0x1234, 2), bit.tohex(1, 12)}\" 0",
            ],
        ),
        (
            "script cache and flags",
            vec![
                "SCRIPT LOAD \"return 1\" => \"e0e1f9fabfc9d4800c877a703b823ac0578ff8db\"",
                "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB x => [:1, :1, :0]",
                "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0 => :1",
                "EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0 => :1",
                "EVAL \"return redis.call('incr', KEYS[1])\" 1 ctr => :1",
                "EVALSHA 2bab3b661081db58bd2341920e0ba7cf5dc77b25 1 ctr => :2",
                "SCRIPT LOAD \"return 1 +\"",
                "SCRIPT LOAD \"#!lua flags=bogus\\nreturn 1\"",
                "SCRIPT KILL",
                "SCRIPT FLUSH bad",
                "SCRIPT FLUSH SYNC ASYNC",
                "SCRIPT FLUSH ASYNC",
                "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db => [:0]",
                "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0",
                "SCRIPT LOAD \"return 1\"",
                "SCRIPT FLUSH SYNC",
                "SCRIPT FLUSH",
                "SCRIPT EXISTS",
                "SCRIPT HELP",
                "SCRIPT nope",
                "SCRIPT",
                "SCRIPT DEBUG bad",
                "SCRIPT DEBUG no",
                "EVAL \"#!lua\\nreturn x\" 0",
                "EVAL \"#!lua flags=no-writes\\nreturn redis.call('set','a','b')\" 0",
                "EVAL \"#!lua flags=no-writes,allow-oom\\nreturn redis.call('get','a')\" 0",
                "EVAL \"#!lua flags=bogus\\nreturn 1\" 0",
                "EVAL \"#!lua flags=\\nreturn 1\" 0",
                "EVAL \"#!lua  name=x\\nreturn 1\" 0",
                "EVAL \"#!foo\\nreturn 1\" 0",
                "EVAL \"#!lua\" 0",
                "EVAL \"#!lua\\n\" 0",
                "EVAL_RO \"return redis.call('set','a','b')\" 0",
                "EVAL_RO \"return redis.pcall('set','a','b')\" 0",
                "EVAL_RO \"return redis.call('get','a')\" 0",
                "EVALSHA_RO ffffffffffffffffffffffffffffffffffffffff 0",
                "COMMAND GETKEYS EVAL \"return 1\" 2 a b c",
                "COMMAND GETKEYS EVALSHA_RO x 1 a b",
                "COMMAND GETKEYS EVAL \"return 1\" 0",
                "!cmdinfo COMMAND INFO eval evalsha eval_ro evalsha_ro script script|load script|exists script|flush script|kill script|help script|debug",
            ],
        ),
        (
            "functions",
            vec![
                "FUNCTION FLUSH",
                "FUNCTION LOAD \"#!lua name=mylib\\nredis.register_function('myfunc', function(keys, args) return redis.call('incr', keys[1]) end)\\nredis.register_function{function_name='ro', callback=function(keys, args) return args[1] end, flags={'no-writes'}, description='desc'}\" => \"mylib\"",
                "FCALL myfunc 1 k => :1",
                "FCALL ro 0 x => \"x\"",
                "FCALL_RO myfunc 1 k",
                "FCALL_RO ro 0 y => \"y\"",
                "FCALL nosuch 0",
                "FCALL myfunc -1",
                "FCALL myfunc 5",
                "FCALL myfunc x",
                "FCALL",
                "FCALL myfunc",
                "!fnlist FUNCTION LIST",
                "!fnlist FUNCTION LIST WITHCODE",
                "!fnlist FUNCTION LIST LIBRARYNAME my*",
                "!fnlist FUNCTION LIST LIBRARYNAME nomatch*",
                "!fnlist FUNCTION LIST LIBRARYNAME",
                "!fnlist FUNCTION LIST bogus",
                "!fnlist FUNCTION LIST WITHCODE WITHCODE",
                "FUNCTION STATS",
                "FUNCTION LOAD \"#!lua name=mylib\\nreturn 1\"",
                "FUNCTION LOAD \"#!lua name=mylib2\\nreturn 1\"",
                "FUNCTION LOAD \"return 1\"",
                "FUNCTION LOAD \"#!lua\\nreturn 1\"",
                "FUNCTION LOAD \"#!lua name=x bogus=1\\nreturn 1\"",
                "FUNCTION LOAD \"#!lua name=a5 name=a6\\nreturn 1\"",
                "FUNCTION LOAD \"#!foo name=a4\\nreturn 1\"",
                "FUNCTION LOAD \"#!lua name=bad-name!\\nredis.register_function('f', function() end)\"",
                "FUNCTION LOAD \"#!lua name=l3\\nredis.register_function('myfunc', function() end)\"",
                "FUNCTION LOAD \"#!lua name=l4\\nredis.register_function('f4', function() end)\\nredis.call('ping')\"",
                "FUNCTION LOAD \"#!lua name=l6\\nx = 1\"",
                "FUNCTION LOAD \"#!lua name=l7\\nlocal y = z\"",
                "FUNCTION LOAD \"#!lua name=c1\\nreturn 1 +\"",
                "FUNCTION LOAD \"#!lua name=c3\\nlocal x = redis.setresp\"",
                "FUNCTION LOAD \"#!lua name=c4\\nlocal s = string.len('x')\"",
                "FUNCTION LOAD \"#!lua name=l8\\nredis.register_function('f8')\"",
                "FUNCTION LOAD \"#!lua name=a7\\nredis.register_function{function_name='a7', callback=function() return 1 end, flags={'bogus'}}\"",
                "FUNCTION LOAD \"#!lua name=a8\\nredis.register_function{function_name='a8', callback=function() return 1 end, bogus=1}\"",
                "FUNCTION LOAD \"#!lua name=a9\\nredis.register_function('bad name', function() return 1 end)\"",
                "FUNCTION LOAD \"#!lua name=a10\\nredis.register_function('f', function() return 1 end) redis.register_function('f', function() return 1 end)\"",
                "FUNCTION LOAD \"#!lua name=a12\\nredis.register_function('f12', 1)\"",
                "FUNCTION LOAD \"#!lua name=a13\\nredis.register_function('f13', function() return 1 end, 3)\"",
                "FUNCTION LOAD \"#!lua name=a14\\nredis.register_function{function_name='f14'}\"",
                "FUNCTION LOAD \"#!lua name=a15\\nredis.register_function{callback=function() end}\"",
                "FUNCTION LOAD \"#!lua name=a17\\nredis.register_function{function_name='f17', callback=function() end, flags='no-writes'}\"",
                "FUNCTION LOAD bogus x",
                "FUNCTION LOAD replace",
                "FUNCTION LOAD",
                "FUNCTION LOAD \"#!lua name=l9\\nredis.register_function('f9', function() error('boom') end)\"",
                "FCALL f9 0",
                "SET str x",
                "FUNCTION LOAD \"#!lua name=l10\\nredis.register_function('f10', function() return redis.call('incr', 'str') end)\"",
                "FCALL f10 0",
                "FUNCTION LOAD \"#!lua name=c8\\nredis.register_function('c8', function() return {type(KEYS), type(redis.register_function)} end)\"",
                "FCALL c8 0",
                "FUNCTION LOAD \"#!lua name=c9\\nredis.register_function('c9', function() x = 1 end)\"",
                "FCALL c9 0",
                "FUNCTION LOAD \"#!lua name=c10\\nredis.register_function{function_name='c10', callback=function() return redis.call('set', 'k', 'v') end, flags={'no-writes'}}\"",
                "FCALL c10 0",
                "FCALL_RO c10 0",
                "FUNCTION DELETE l9 => +OK",
                "FUNCTION DELETE l9",
                "FUNCTION DELETE",
                "FCALL f9 0",
                "FUNCTION LOAD REPLACE \"#!lua name=mylib\\nredis.register_function('myfunc', function(keys, args) return 2 end)\"",
                "FCALL myfunc 0 => :2",
                "FCALL ro 0 x",
                "FUNCTION RESTORE bad",
                "FUNCTION RESTORE",
                "FUNCTION KILL",
                "FUNCTION HELP",
                "FUNCTION FLUSH bad",
                "SCRIPT FLUSH",
                "FCALL myfunc 0 => :2",
                "FUNCTION FLUSH ASYNC => +OK",
                "!fnlist FUNCTION LIST => []",
                "FUNCTION STATS",
                "FCALL myfunc 0",
                "COMMAND GETKEYS FCALL f 2 a b c",
                "!cmdinfo COMMAND INFO fcall fcall_ro function function|load function|delete function|flush function|list function|stats function|kill function|dump function|restore function|help",
            ],
        ),
        (
            "cmsgpack",
            vec![
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(1.5, 2^53, -1, -33, 300, -200, 70000, -40000, 2^32, -2^31-1, 0.1, 1/0, 0/0, 1e20, true, false, nil))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(2^63, -2^63, 2^64, -2^63-5000, -0.0, -1/0, 127, 128, 255, 256, 65535, 65536, -32, -128, -129, -32768, -32769))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(string.rep('a',31), string.rep('b',32), string.rep('c', 255), ''))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(string.rep('c', 256)):sub(1,10))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(string.rep('c', 70000)):sub(1,12))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack({}, {1,2}, {a=1}, {[1]=1,[3]=3}, {[1.5]=1}))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack({a=1,b=2,c=3,d={1,2,{x='y'}},e=true,f='str',g=1.5}))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack({n=1, [1]=2}, {[-1]=1}, {[0]=1, 2}))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return hex(cmsgpack.pack(cmsgpack.pack, coroutine.create(function() end)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local t={} for i=1,20 do t[i]=i end return hex(cmsgpack.pack(t)) end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local t={} for i=1,70000 do t[i]=i end return hex(cmsgpack.pack(t):sub(1,5)) end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local t={} for i=1,20 do t['k'..i]=i end return hex(cmsgpack.pack(t)) end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local t={} local c=t for i=1,20 do c[1]={} c=c[1] end return hex(cmsgpack.pack(t)) end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local t={} local c=t for i=1,20 do c.k={} c=c.k end return hex(cmsgpack.pack(t)) end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return cmsgpack.pack()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(cmsgpack.pack(1,2.5,'x',{1,{2,{a={b='c'}}}},true,false,nil, -7, 2^40)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 3))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 4))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), -1))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), '1'))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 'x'))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), {}))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1.9))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2, 1))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), -1, 0))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0, 0))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0, 1))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 5, 1))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 1.9, 0))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), nil))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_limit())\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack())\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(nil))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack({}))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(12))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(1.5))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(''))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(''))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xcd,1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xc1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xc7,1,1,97)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xc4,2,97,98)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xd4,2,97,98)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xd9,1,99, 0xda,0,1,100, 0xdb,0,0,0,1,101)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xd9,5,99)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xcf,0,0,0,1,0,0,0,0, 0xcf,255,255,255,255,255,255,255,255, 0xd3,128,0,0,0,0,0,0,0)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xcc,200,0xcd,1,0,0xce,1,0,0,0,0xd0,200,0xd1,128,0,0xd2,128,0,0,0,0xe0,0xff)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x92,1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xdc,0,2,1,2,0xdd,0,0,0,1,3,0xde,0,1,1,2,0xdf,0,0,0,1,3,4)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x82,1,2,0xc0,3)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x81,0xc0,3)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x81,0xcb,0x7f,0xf8,0,0,0,0,0,0,3)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x82,1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0x81,1,0xc0)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xca,0x3f,0xc0,0,0)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xcb,0x3f,0xb9,0x99,0x99,0x99,0x99,0x99,0x9a)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xc0, 1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack_one(C(0xc0, 1), 0))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return all(cmsgpack.unpack(C(0xc0, 1, 0xc1)))\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() local p = cmsgpack.pack({1,2}, 'x') local o, v = cmsgpack.unpack_one(p) return {o, #v, cmsgpack.unpack_one(p, o)} end)()\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return type(cmsgpack)..type(cmsgpack.unpack_limit)\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return cmsgpack.x\" 0",
                "EVAL \"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function all(...) local t={} for i=1,select('#',...) do local v=(select(i,...)) t[i]=type(v)=='table' and hex(cmsgpack.pack(v)) or tostring(v) end return t end local C=string.char  return (function() cmsgpack.x = 1 end)()\" 0",
                "EVAL \"redis.call('SET', KEYS[1], cmsgpack.pack({name='job', data={x=1, y={1,2,3}}, opts={attempts=3, delay=1.5, backoff={type='exponential'}}})) return 1\" 1 job:1",
                "GET job:1",
                "EVAL \"local j = cmsgpack.unpack(redis.call('GET', KEYS[1])) return {j.name, j.data.x, #j.data.y, tostring(j.opts.delay), j.opts.attempts, j.opts.backoff.type}\" 1 job:1",
                "EVAL \"return cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({1,{2,{3,{a='b',c={true,false,-1.25}}}}}, 'tail')))\" 0",
                "EVAL \"return {cmsgpack.unpack(cmsgpack.pack({1,{2,{3,{'x'}}}}, 'tail', 42))}\" 0",
                "EVAL \"return cmsgpack.pack(1, 'a', {1, {b=2}})\" 0",
            ],
        ),
        (
            "transactions",
            vec![
                "MULTI",
                "EVAL \"return redis.call('incr','cnt')\" 0",
                "EVAL \"return redis.call('incr','cnt')\" 0",
                "EVAL \"return redis.call('nosuch')\" 0",
                "EXEC",
                "MULTI",
                "EVAL \"return 1\" x",
                "EXEC",
                "MULTI",
                "SCRIPT LOAD \"return 'in multi'\"",
                "EVALSHA b9c81d25cab28c8a6bdc01f2d9d28d3a7d3267b4 0",
                "EXEC",
            ],
        ),
    ]
}

/// Every connection starts without scripts or functions.
const SETUP: &[&str] = &["SCRIPT FLUSH", "FUNCTION FLUSH"];

#[test]
fn differential_scripting_sequences() {
    check_with(sequences, &Opts { setup: SETUP, ..Opts::default() });
}

fn bulk_text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a bulk string: {}", show(other)),
    }
}

/// The same steps on each server, checked against fixed expectations.
fn on_each(check: impl Fn(&Server)) {
    let ember = Server::ember(&[]);
    check(&ember);
    if let Some(redis) = Server::redis(&[]) {
        check(&redis);
    }
}

#[test]
fn script_write_invalidates_watch() {
    on_each(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        assert_eq!(a.run("SET w 1"), common::ok());
        assert_eq!(a.run("WATCH w"), common::ok());
        assert_eq!(b.run("EVAL \"return redis.call('incr', KEYS[1])\" 1 w"), Frame::Integer(2));
        assert_eq!(a.run("MULTI"), common::ok());
        assert_eq!(a.run("GET w"), common::simple("QUEUED"));
        assert_eq!(a.run("EXEC"), Frame::NullArray, "{:?}", s.kind);
        // A script that only reads a watched key leaves the transaction alone,
        // and so does one that writes another key than those it declares.
        assert_eq!(a.run("WATCH w"), common::ok());
        assert_eq!(b.run("EVAL \"return redis.call('get', KEYS[1])\" 1 w"), common::bulk("2"));
        assert_eq!(b.run("EVAL \"return redis.call('set', 'other', 1)\" 1 w"), common::ok());
        assert_eq!(a.run("MULTI"), common::ok());
        assert_eq!(a.run("GET w"), common::simple("QUEUED"));
        assert_eq!(a.run("EXEC"), common::arr(vec![common::bulk("2")]), "{:?}", s.kind);
    });
}

#[test]
fn script_push_wakes_blocked_client() {
    on_each(|s| {
        let mut waiter = s.conn();
        let mut writer = s.conn();
        waiter.send(&["BLPOP", "q", "5"]);
        // Let BLPOP reach the server and block.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let info = writer.run("INFO clients");
            if bulk_text(&info).contains("blocked_clients:1") || std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(writer.run("EVAL \"return redis.call('rpush', KEYS[1], 'job')\" 1 q"), Frame::Integer(1));
        assert_eq!(waiter.read(), common::bulks(&["q", "job"]), "{:?}", s.kind);
        assert_eq!(writer.run("LLEN q"), Frame::Integer(0));
    });
}

#[test]
fn commandstats_count_eval_and_inner_commands() {
    on_each(|s| {
        let mut c = s.conn();
        assert_eq!(c.run("CONFIG RESETSTAT"), common::ok());
        let sha = "return redis.call('incr', KEYS[1]) + redis.call('incr', KEYS[1])";
        assert_eq!(c.run(&format!("EVAL \"{sha}\" 1 k")), Frame::Integer(3));
        let sha1 = bulk_text(&c.run(&format!("SCRIPT LOAD \"{sha}\"")));
        assert_eq!(c.run(&format!("EVALSHA {sha1} 1 k")), Frame::Integer(7));
        let stats = bulk_text(&c.run("INFO commandstats"));
        for (cmd, calls) in [("eval", 1), ("evalsha", 1), ("incr", 4)] {
            assert!(
                stats.contains(&format!("cmdstat_{cmd}:calls={calls},")),
                "{:?}: {cmd} should have {calls} calls in {stats}",
                s.kind
            );
        }
    });
}

#[test]
fn script_cache_survives_until_flush_and_scripts_are_atomic() {
    on_each(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        let body = "for i = 1, 2000 do redis.call('rpush', KEYS[1], i) end return redis.call('llen', KEYS[1])";
        let sha = bulk_text(&a.run(&format!("SCRIPT LOAD \"{body}\"")));
        // Another connection sees the cached script.
        b.send(&["EVALSHA", &sha, "1", "atomic"]);
        a.send(&["LLEN", "atomic"]);
        assert_eq!(b.read(), Frame::Integer(2000));
        // LLEN ran before or after the whole script, never in its middle.
        let n = a.read();
        assert!(n == Frame::Integer(0) || n == Frame::Integer(2000), "{:?}: {}", s.kind, show(&n));
        assert_eq!(a.run("SCRIPT FLUSH"), common::ok());
        assert_eq!(
            b.run(&format!("EVALSHA {sha} 1 atomic")),
            common::err("NOSCRIPT No matching script. Please use EVAL.")
        );
    });
}

const LIB: &str =
    "#!lua name=persisted\nredis.register_function('pf', function(keys, args) return 'kept ' .. args[1] end)";

#[test]
fn functions_survive_a_restart_and_move_between_servers() {
    let dir = common::scratch_dir("functions");
    {
        let ember = Server::ember_in(&dir, &[]);
        let mut c = ember.conn();
        assert_eq!(c.cmd(&["FUNCTION", "LOAD", LIB]), common::bulk("persisted"));
        assert_eq!(c.run("SET k v"), common::ok());
        assert_eq!(c.run("SAVE"), common::ok());
        assert_eq!(c.run("DEBUG RELOAD"), common::ok());
        assert_eq!(c.run("FCALL pf 0 a"), common::bulk("kept a"));
    }
    {
        let ember = Server::ember_in(&dir, &[]);
        let mut c = ember.conn();
        assert_eq!(c.run("FCALL pf 0 b"), common::bulk("kept b"));
        assert_eq!(c.run("GET k"), common::bulk("v"));
    }
    // Redis loads ember's dump, and ember loads Redis's.
    if let Some(redis) = Server::redis_in(&dir, &[]) {
        let mut r = redis.conn();
        assert_eq!(r.run("FCALL pf 0 c"), common::bulk("kept c"));
        assert_eq!(
            r.cmd(&[
                "FUNCTION",
                "LOAD",
                "#!lua name=fromredis\nredis.register_function('rf', function() return 7 end)"
            ]),
            common::bulk("fromredis")
        );
        assert_eq!(r.run("SAVE"), common::ok());
        drop(r);
        drop(redis);
        let ember = Server::ember_in(&dir, &[]);
        let mut c = ember.conn();
        assert_eq!(c.run("FCALL rf 0"), Frame::Integer(7));
        assert_eq!(c.run("FCALL pf 0 d"), common::bulk("kept d"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn function_dump_and_restore_match_redis() {
    let ember = Server::ember(&[]);
    let mut e = fresh(&ember, false, SETUP);
    assert_eq!(e.run("FUNCTION FLUSH"), common::ok());
    assert_eq!(e.cmd(&["FUNCTION", "LOAD", LIB]), common::bulk("persisted"));
    let ours = e.run("FUNCTION DUMP");
    assert_eq!(e.run("FUNCTION FLUSH"), common::ok());
    assert_eq!(e.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours)]), common::ok());
    assert_eq!(e.run("FCALL pf 0 x"), common::bulk("kept x"));
    // APPEND (the default) refuses an existing library; REPLACE takes it.
    let again = e.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours)]);
    assert_eq!(again, common::err("ERR Library persisted already exists"));
    assert_eq!(e.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours), b"REPLACE"]), common::ok());
    assert_eq!(
        e.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours), b"bogus"]),
        common::err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    );
    let Some(redis) = Server::redis(&[]) else { return };
    let mut r = fresh(&redis, false, SETUP);
    assert_eq!(r.run("FUNCTION FLUSH"), common::ok());
    assert_eq!(r.cmd(&["FUNCTION", "LOAD", LIB]), common::bulk("persisted"));
    // The same bytes from both servers.
    assert_eq!(r.run("FUNCTION DUMP"), ours);
    assert_eq!(r.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours)]), again);
    assert_eq!(
        r.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours), b"bogus"]),
        common::err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    );
    assert_eq!(r.cmd(&[&b"FUNCTION"[..], b"RESTORE", &bulk_bytes(&ours), b"FLUSH"]), common::ok());
}

fn bulk_bytes(f: &Frame) -> Vec<u8> {
    match f {
        Frame::Bulk(b) => b.to_vec(),
        other => panic!("not a bulk string: {}", show(other)),
    }
}

/// A table that contains itself, or a DAG of shared subtables, must not
/// make the reply conversion run away (Redis itself hangs on these, so this
/// checks ember alone): a table met again on its own path becomes the
/// stack-limit error in place, and elements written from shared tables are
/// capped, while a legit reply that repeats a table stays whole.
#[test]
fn cyclic_and_shared_tables_do_not_blow_up_the_reply() {
    let ember = Server::ember(&[]);
    let mut c = ember.conn();
    let limit = || common::err("ERR reached lua stack limit");
    assert_eq!(c.run("EVAL \"local t={} t[1]=t t[2]=t return t\" 0"), common::arr(vec![limit(), limit()]));
    assert_eq!(
        c.run("EVAL \"local t={1} t[2]={t, 'x'} return t\" 0"),
        common::arr(vec![Frame::Integer(1), common::arr(vec![limit(), common::bulk("x")])])
    );
    assert_eq!(c.run("EVAL \"local w={} w.map={k=w} return w\" 0"), common::arr(vec![common::bulk("k"), limit()]));
    assert_eq!(
        c.run("EVAL \"local t={} for i=1,60 do t={t,t} end return t\" 0"),
        common::err("ERR script reply too large (shared tables repeated too many times)")
    );
    // The connection is still usable, and a DAG that fits is written whole.
    let dag = c.run("EVAL \"local t={'a'} for i=1,3 do t={t,t} end return t\" 0");
    assert_eq!(show(&dag).matches("\"a\"").count(), 8, "{}", show(&dag));
    let Frame::Array(rows) = c.run("EVAL \"local row={1,'x'} local r={} for i=1,100000 do r[i]=row end return r\" 0")
    else {
        panic!("not an array")
    };
    assert_eq!(rows.len(), 100000);
    assert!(rows.iter().all(|r| *r == common::arr(vec![Frame::Integer(1), common::bulk("x")])));
    // Many tables at once (more than mlua's reference stack holds).
    let Frame::Array(rows) = c.run("EVAL \"local r={} for i=1,20000 do r[i]={i} end return r\" 0") else {
        panic!("not an array")
    };
    assert_eq!(rows.len(), 20000);
    assert_eq!(rows[19999], common::arr(vec![Frame::Integer(20000)]));
    assert_eq!(c.run("PING"), common::simple("PONG"));
}
