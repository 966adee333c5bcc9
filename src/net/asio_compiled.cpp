// The one translation unit that compiles Boost.Asio, its SSL layer and Beast
// (BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION, set on stsrelay_net for
// every target that links it). Header-only, every file that includes Asio compiled the library's
// non-template functions again: about half the compile time of a coroutine session file under
// the sanitizers (smtp/client_session.cpp: 26 s header-only, 14 s compiled once here).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
