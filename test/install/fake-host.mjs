// Preloaded with `node --import` by pack-install.sh to make this x64 glibc machine look like another one to the
// loader's prebuild check (lib/backend/host.ts), so its one-line warning can be checked on the installed package:
//   FAKE_ARCH=arm64     process.arch (node-gyp-build reads it too, through os.arch())
//   FAKE_GLIBC=2.31     the glibc version in process.report's header ('none' for a libc that is not glibc)
if (process.env.FAKE_ARCH) Object.defineProperty(process, 'arch', { value: process.env.FAKE_ARCH });
if (process.env.FAKE_GLIBC) {
  const getReport = process.report.getReport.bind(process.report);
  process.report.getReport = (...args) => {
    const report = getReport(...args);
    if (process.env.FAKE_GLIBC === 'none') delete report.header.glibcVersionRuntime;
    else report.header.glibcVersionRuntime = process.env.FAKE_GLIBC;
    return report;
  };
}
