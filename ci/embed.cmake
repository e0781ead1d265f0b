# Writes OUT, a C++ file defining `std::string_view topo::SYMBOL` over the bytes of IN.
# BINARY=1 embeds as a byte array (any content); BINARY=0 the same, for text files.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "// Generated from ${IN} by ci/embed.cmake. Do not edit.\n#include <string_view>\nnamespace topo {\nstatic const unsigned char k${SYMBOL}Data[] = {${bytes} 0};\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}(reinterpret_cast<const char*>(k${SYMBOL}Data), ${len});\n}  // namespace topo\n")
