#pragma once
// SHA-256 (FIPS 180-4), for content fingerprints (`topo run --produce`
// remembers which files it loaded into a data dir by their hash). Not for
// anything secret: no constant-time guarantees are needed or made.
//
// Thread-safety: a Sha256 belongs to one thread; Sha256Hex is pure.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace topo {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // The digest of everything updated so far; the object must not be updated after.
  std::array<uint8_t, 32> Finish();

 private:
  void Block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes
};

// Lower-case hex of the SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Lower-case hex of a digest.
std::string ToHex(const std::array<uint8_t, 32>& digest);

}  // namespace topo
