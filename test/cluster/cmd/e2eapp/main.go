// Command e2eapp is the application image of the hardening end-to-end test
// (images cannot be pulled here, so the test builds it). Standard library
// only, static.
//
//	e2eapp                      serve HTTP on :8080 (PORT overrides): "ok NAME"
//	e2eapp dns NAME=IP...       a DNS server on UDP :53 answering A queries
//	                            for the given names (NXDOMAIN otherwise)
//	e2eapp probe DNS NAME PORT  resolve NAME through the DNS server at DNS
//	                            (ip:port), GET http://IP:PORT/, print one
//	                            line "probe ok ..." or "probe failed ...",
//	                            then repeat every 5 s
//
// It exits on SIGTERM.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		os.Exit(0)
	}()
	args := os.Args[1:]
	var err error
	switch {
	case len(args) == 0:
		err = serveHTTP()
	case args[0] == "dns":
		err = serveDNS(args[1:])
	case args[0] == "probe" && len(args) == 4:
		probe(args[1], args[2], args[3])
	default:
		err = fmt.Errorf("usage: e2eapp [dns NAME=IP... | probe DNS NAME PORT]")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2eapp:", err)
		os.Exit(1)
	}
}

func serveHTTP() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host, _ := os.Hostname()
	return http.ListenAndServe(":"+port, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "ok %s\n", host)
	}))
}

func serveDNS(records []string) error {
	answers := map[string]net.IP{}
	for _, r := range records {
		name, ip, ok := strings.Cut(r, "=")
		if !ok || net.ParseIP(ip).To4() == nil {
			return fmt.Errorf("record %q: want NAME=IPv4", r)
		}
		answers[strings.ToLower(strings.TrimSuffix(name, "."))] = net.ParseIP(ip).To4()
	}
	conn, err := net.ListenPacket("udp", ":53")
	if err != nil {
		return err
	}
	fmt.Println("dns serving", len(answers), "names")
	buf := make([]byte, 512)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return err
		}
		if resp, err := answer(buf[:n], answers); err == nil {
			conn.WriteTo(resp, from)
			fmt.Println("dns answered", from)
		}
	}
}

// answer builds the response to a one-question query.
func answer(q []byte, answers map[string]net.IP) ([]byte, error) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil, errors.New("not a one-question query")
	}
	name, end, err := readName(q, 12)
	if err != nil || end+4 > len(q) {
		return nil, errors.New("bad question")
	}
	qtype := binary.BigEndian.Uint16(q[end : end+2])
	resp := append([]byte(nil), q[:end+4]...)
	resp[2] = 0x84 | (q[2] & 0x01) // response, authoritative, RD copied
	resp[3] = 0x00
	binary.BigEndian.PutUint16(resp[6:8], 0)
	binary.BigEndian.PutUint16(resp[8:10], 0)
	binary.BigEndian.PutUint16(resp[10:12], 0)
	ip, ok := answers[strings.ToLower(name)]
	switch {
	case !ok:
		resp[3] = 0x03 // NXDOMAIN
	case qtype == 1:
		binary.BigEndian.PutUint16(resp[6:8], 1)
		resp = append(resp, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4)
		resp = append(resp, ip...)
	}
	return resp, nil
}

func readName(b []byte, off int) (string, int, error) {
	var labels []string
	for off < len(b) {
		l := int(b[off])
		off++
		if l == 0 {
			return strings.Join(labels, "."), off, nil
		}
		if l > 63 || off+l > len(b) {
			return "", 0, errors.New("bad label")
		}
		labels = append(labels, string(b[off:off+l]))
		off += l
	}
	return "", 0, errors.New("unterminated name")
}

func query(name string) []byte {
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		q = append(q, byte(len(l)))
		q = append(q, l...)
	}
	return append(q, 0, 0, 1, 0, 1)
}

func resolve(server, name string) (net.IP, error) {
	conn, err := net.DialTimeout("udp", server, 3*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write(query(name)); err != nil {
		return nil, err
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	r := buf[:n]
	if len(r) < 12 || r[3]&0x0f != 0 || binary.BigEndian.Uint16(r[6:8]) == 0 || len(r) < 4 {
		return nil, fmt.Errorf("no answer (rcode %d)", r[3]&0x0f)
	}
	return net.IP(r[len(r)-4:]), nil
}

func probe(server, name, port string) {
	for {
		ip, err := resolve(server, name)
		if err != nil {
			fmt.Printf("probe failed dns %s %s: %v\n", server, name, err)
		} else {
			c := &http.Client{Timeout: 3 * time.Second}
			resp, err := c.Get("http://" + net.JoinHostPort(ip.String(), port) + "/")
			if err != nil {
				fmt.Printf("probe failed http %s (%s): %v\n", name, ip, err)
			} else {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
				resp.Body.Close()
				fmt.Printf("probe ok dns %s=%s http %d %s\n", name, ip, resp.StatusCode, strings.TrimSpace(string(body)))
			}
		}
		time.Sleep(5 * time.Second)
	}
}
