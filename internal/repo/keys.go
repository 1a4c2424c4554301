package repo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// KeysFile is the file below W/etc listing the public keys a node trusts.
const KeysFile = "repo.keys"

// KeyID formats a minisign key id as minisign prints it (16 hex digits).
func KeyID(id uint64) string { return fmt.Sprintf("%016X", id) }

// ParseKeys reads trusted public keys: one base64 minisign public key per
// line. Blank lines, lines starting with '#' and minisign's own
// "untrusted comment:" lines are skipped, so a .pub file may be appended
// as it is.
func ParseKeys(r io.Reader) ([]minisign.PublicKey, error) {
	var keys []minisign.PublicKey
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "untrusted comment:") {
			continue
		}
		var k minisign.PublicKey
		if err := k.UnmarshalText([]byte(line)); err != nil {
			return nil, fmt.Errorf("line %d: %v: %w", n, err, errdefs.ErrInvalid)
		}
		keys = append(keys, k)
	}
	return keys, sc.Err()
}

// ReadKeys reads a trusted keys file (W/etc/repo.keys). A missing file
// is no keys, not an error.
func ReadKeys(path string) ([]minisign.PublicKey, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := ParseKeys(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// KeyPair is what GenerateKey wrote.
type KeyPair struct {
	Secret, Public string // file paths
	ID             string // KeyID
	Line           string // the public key as one repo.keys line
}

// GenerateKey makes a new ed25519 key pair in dir: <name>.key, the
// secret key in minisign's format, unencrypted (minisign -G -W makes the
// same; there is no password to type when publishing from scripts), mode
// 0600; and <name>.pub, the public key as minisign writes it. Existing
// files are never overwritten (errdefs.ErrExists).
func GenerateKey(dir, name string) (KeyPair, error) {
	if err := CheckWord("name", name); err != nil {
		return KeyPair{}, err
	}
	kp := KeyPair{Secret: filepath.Join(dir, name+".key"), Public: filepath.Join(dir, name+".pub")}
	for _, p := range []string{kp.Secret, kp.Public} {
		if _, err := os.Lstat(p); err == nil {
			return KeyPair{}, fmt.Errorf("%s exists; not overwriting a key: %w", p, errdefs.ErrExists)
		}
	}
	pub, sec, err := minisign.GenerateKey(nil)
	if err != nil {
		return KeyPair{}, err
	}
	secText, err := sec.MarshalText()
	if err != nil {
		return KeyPair{}, err
	}
	pubText, _ := pub.MarshalText()
	kp.ID, kp.Line = KeyID(pub.ID()), pub.String()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return KeyPair{}, err
	}
	if err := writeNew(kp.Secret, append(secText, '\n'), 0o600); err != nil {
		return KeyPair{}, err
	}
	if err := writeNew(kp.Public, append(pubText, '\n'), 0o644); err != nil {
		os.Remove(kp.Secret)
		return KeyPair{}, err
	}
	return kp, nil
}

// writeNew creates path (which must not exist) with data and mode.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; not overwriting a key: %w", path, errdefs.ErrExists)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Chmod(mode); err != nil { // umask may have narrowed it
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// ReadSecretKey reads an unencrypted minisign secret key (GenerateKey's,
// or minisign -G -W's). Password-protected keys are refused: signing
// runs unattended.
func ReadSecretKey(path string) (minisign.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return minisign.PrivateKey{}, err
	}
	b = bytes.TrimSpace(b)
	if minisign.IsEncrypted(b) {
		return minisign.PrivateKey{}, fmt.Errorf("%s is password-protected; use an unencrypted key (cbsd repo action=keygen, or minisign -G -W): %w",
			path, errdefs.ErrNotSupported)
	}
	var sk minisign.PrivateKey
	if err := sk.UnmarshalText(b); err != nil {
		return minisign.PrivateKey{}, fmt.Errorf("%s: %v: %w", path, err, errdefs.ErrInvalid)
	}
	return sk, nil
}

// PublicKeyOf returns the public key of a secret key, for messages.
func PublicKeyOf(sk minisign.PrivateKey) minisign.PublicKey {
	pk, _ := sk.Public().(minisign.PublicKey)
	return pk
}
