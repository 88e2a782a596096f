"""Memory of result watermarks for 1M orgs: one hash vs 8192 sharded hashes (docs/OPERATIONS.md).

Run against a scratch redis-server (it is FLUSHALLed!), e.g. the one bundled in embedded-redis:
  redis-server --port 16399 --save '' --appendonly no --daemonize yes
  python3 bench/scripts/watermark_memory.py [port]
"""
import socket,sys
PORT=int(sys.argv[1]) if len(sys.argv)>1 else 16399
s=socket.create_connection(("127.0.0.1",PORT)); f=s.makefile("rb")
def cmd(*a):
    out=b"*%d\r\n"%len(a)
    for x in a:
        x=str(x).encode(); out+=b"$%d\r\n%s\r\n"%(len(x),x)
    s.sendall(out); return read()
def read():
    l=f.readline()
    t=l[:1]; r=l[1:-2]
    if t in b"+-": return r.decode()
    if t==b":": return int(r)
    if t==b"$":
        n=int(r)
        if n<0: return None
        d=f.read(n+2); return d[:-2].decode()
    if t==b"*":
        return [read() for _ in range(int(r))]
def used():
    info=cmd("INFO","memory"); return int([l for l in info.split("\r\n") if l.startswith("used_memory:")][0].split(":")[1])
N=1_000_000; BASE=4_000_000  # org ids 4,000,001.. (7 digits), window end 13-digit millis
cmd("FLUSHALL"); cmd("CONFIG","SET","hash-max-ziplist-entries","128")
fill_single="""for i=tonumber(ARGV[1]),tonumber(ARGV[2]) do redis.call('HSET',KEYS[1],tostring(i),ARGV[3]) end return 1"""
fill_shard="""local n=tonumber(ARGV[4]) for i=tonumber(ARGV[1]),tonumber(ARGV[2]) do redis.call('HSET',KEYS[1]..(i%n),tostring(i),ARGV[3]) end return 1"""
b=used()
for lo in range(BASE+1,BASE+N+1,100000):
    cmd("EVAL",fill_single,1,"sluice:wm:{sluice.spike-projections}",lo,lo+99999,"1764288000000")
a=used(); print("one hash (hashtable): %.1f MB, %.1f B/org, MEMORY USAGE=%s"%((a-b)/1e6,(a-b)/N,cmd("MEMORY","USAGE","sluice:wm:{sluice.spike-projections}","SAMPLES","0")))
for shards in (8192,16384):
    cmd("FLUSHALL"); b=used()
    for lo in range(BASE+1,BASE+N+1,100000):
        cmd("EVAL",fill_shard,1,"sluice:wm:{sluice.spike-projections}:",lo,lo+99999,"1764288000000",shards)
    a=used(); print("%d sharded hashes (ziplist, %d orgs each): %.1f MB, %.1f B/org; encoding %s"%(shards,N//shards,(a-b)/1e6,(a-b)/N,cmd("OBJECT","ENCODING","sluice:wm:{sluice.spike-projections}:1")))
print(cmd("INFO","server").split("\r\n")[1:3])
